import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

// Per-project trace retention: projects.settings.retention_days, when set to a positive whole
// number, deletes traces (and by cascade their spans, events and payload originals) whose last
// activity is older. Deleted in slices so one run never holds a huge transaction.

const SLICE = 2000

export async function deleteExpiredTraces(db: Kysely<DB>, maxSlices = 50): Promise<number> {
  let total = 0
  for (let i = 0; i < maxSlices; i++) {
    const res = await sql`
      delete from traces where id in (
        select t.id from traces t join projects p on p.id = t.project_id
        where jsonb_typeof(p.settings -> 'retention_days') = 'number'
          and (p.settings ->> 'retention_days')::numeric >= 1
          and greatest(t.server_received_at, t.updated_at, coalesce(t.end_time, t.start_time, t.server_received_at))
              < now() - make_interval(days => least(floor((p.settings ->> 'retention_days')::numeric), 36500)::int)
        limit ${SLICE}
        -- rows a batch is writing right now are left for the next run instead of waited on
        for update of t skip locked
      )
    `.execute(db)
    const n = Number(res.numAffectedRows ?? 0)
    total += n
    if (n < SLICE) break
  }
  return total
}
