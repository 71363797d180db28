import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

// The merged timeline of a trace in change order: stored events at their change_seq, a
// span_started marker at the span's first_change_seq and a terminal marker at its latest
// change_seq. Paging on (seq, rank, key) means a poller never misses an entry that commits
// after its cursor, including a span that completes long after it started.

export const RANK_STARTED = 0
export const RANK_EXPLICIT = 1
export const RANK_TERMINAL = 2

export interface TimelineKey {
  seq: number
  rank: number
  key: string
}

export interface TimelineRow {
  seq: number
  rank: number
  key: string
  event_type: string
  span_id: string | null
  span_name: string | null
  ts: Date
  level: string | null
  sequence: number | null
  message: string | null
  payload: unknown
}

export async function timelinePage(
  db: Kysely<DB>,
  projectId: string,
  traceId: string,
  after: TimelineKey,
  limit: number,
  types?: string[],
): Promise<TimelineRow[]> {
  const { seq, rank, key } = after
  const res = await sql<TimelineRow>`
    select * from (
      select e.change_seq as seq, ${RANK_EXPLICIT}::int as rank, e.id::text as key, e.event_type, e.span_id,
             sp.name as span_name, coalesce(e.event_ts, e.server_ingested_at) as ts, e.level, e.sequence, e.message, e.payload
        from span_events e
        left join spans sp on sp.trace_id = e.trace_id and sp.span_id = e.span_id
       where e.project_id = ${projectId} and e.trace_id = ${traceId}
         and (e.change_seq, ${RANK_EXPLICIT}::int, e.id::text) > (${seq}::bigint, ${rank}::int, ${key}::text)
      union all
      select s.first_change_seq, ${RANK_STARTED}::int, s.id::text, 'span_started', s.span_id, s.name, s.start_time,
             null, null, null, null
        from spans s
       where s.project_id = ${projectId} and s.trace_id = ${traceId}
         and (s.first_change_seq, ${RANK_STARTED}::int, s.id::text) > (${seq}::bigint, ${rank}::int, ${key}::text)
      union all
      select s.change_seq, ${RANK_TERMINAL}::int, s.id::text,
             case when s.status = 'failed' then 'span_failed' else 'span_completed' end, s.span_id, s.name,
             coalesce(s.end_time, s.start_time), null, null, s.status_message, null
        from spans s
       where s.project_id = ${projectId} and s.trace_id = ${traceId} and s.status in ('completed', 'failed')
         and (s.change_seq, ${RANK_TERMINAL}::int, s.id::text) > (${seq}::bigint, ${rank}::int, ${key}::text)
    ) entries
    where ${types ?? null}::text[] is null or event_type = any(${types ?? null}::text[])
    order by seq, rank, key
    limit ${limit}`.execute(db)
  return res.rows.map((r) => ({ ...r, seq: Number(r.seq), rank: Number(r.rank) }))
}
