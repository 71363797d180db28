import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

// Per-project trace retention: projects.settings.retention_days, when set to a positive whole
// number, deletes traces (and by cascade their spans, events and payload originals) whose last
// activity is older, and their change counters. Deleted in slices so one run never holds a huge
// transaction.

const SLICE = 2000

export async function deleteExpiredTraces(db: Kysely<DB>, maxSlices = 50): Promise<number> {
  let total = 0
  for (let i = 0; i < maxSlices; i++) {
    const res = await sql<{ n: number }>`
      with d as (
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
        returning project_id, trace_id),
      -- A counter a writer holds (the trace is being written again) stays: the new trace uses it.
      c as (
        delete from trace_change_counters where ctid in (
          select c.ctid from trace_change_counters c join d on d.project_id = c.project_id and d.trace_id = c.trace_id
          for update of c skip locked)
        returning 1)
      select (select count(*) from d)::int as n, (select count(*) from c)::int as counters
    `.execute(db)
    const n = Number(res.rows[0]?.n ?? 0)
    total += n
    if (n < SLICE) break
  }
  return total
}
