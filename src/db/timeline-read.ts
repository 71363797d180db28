import { sql, type Kysely, type RawBuilder } from 'kysely'
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

/** Rows of one branch (all of rank `branch`) that come after the cursor, as a sargable condition. */
function afterCursor(seqCol: RawBuilder<unknown>, idCol: RawBuilder<unknown>, branch: number, after: TimelineKey) {
  if (branch > after.rank) return sql`${seqCol} >= ${after.seq}::bigint`
  if (branch < after.rank) return sql`${seqCol} > ${after.seq}::bigint`
  if (after.key === '') return sql`${seqCol} >= ${after.seq}::bigint`
  return sql`(${seqCol} > ${after.seq}::bigint or (${seqCol} = ${after.seq}::bigint and ${idCol} > ${after.key}::uuid))`
}

export async function timelinePage(
  db: Kysely<DB>,
  projectId: string,
  traceId: string,
  after: TimelineKey,
  limit: number,
  types?: string[],
): Promise<TimelineRow[]> {
  const res = await timelineQuery(projectId, traceId, after, limit, types).execute(db)
  return res.rows.map((r) => ({ ...r, seq: Number(r.seq), rank: Number(r.rank) }))
}

/** The page query itself (exported for EXPLAIN in benchmarks). */
export function timelineQuery(projectId: string, traceId: string, after: TimelineKey, limit: number, types?: string[]) {
  // Each branch takes its own first `limit` rows in cursor order (an index walk on change_seq),
  // so a page costs O(limit) however long the trace; the union carries only what ordering needs,
  // and payloads and names are joined for the page alone.
  const wanted = (expr: RawBuilder<unknown>) => (types ? sql`and ${expr} = any(${types}::text[])` : sql``)
  const terminalType = sql`case when s.status = 'failed' then 'span_failed' else 'span_completed' end`
  return sql<TimelineRow>`
    select x.seq, x.rank, x.key, x.event_type, x.span_id, coalesce(x.span_name, sp.name) as span_name, x.ts,
           e.level, e.sequence, coalesce(e.message, x.message) as message, e.payload
    from (
      (select e.change_seq as seq, ${RANK_EXPLICIT}::int as rank, e.id as key, e.event_type::text as event_type, e.span_id,
              null::text as span_name, coalesce(e.event_ts, e.server_ingested_at) as ts, null::text as message
         from span_events e
        where e.project_id = ${projectId} and e.trace_id = ${traceId}
          and ${afterCursor(sql.ref('e.change_seq'), sql.ref('e.id'), RANK_EXPLICIT, after)} ${wanted(sql.ref('e.event_type'))}
        order by e.change_seq, e.id limit ${limit})
      union all
      (select s.first_change_seq, ${RANK_STARTED}::int, s.id, 'span_started', s.span_id, s.name, s.start_time, null
         from spans s
        where s.project_id = ${projectId} and s.trace_id = ${traceId}
          and ${afterCursor(sql.ref('s.first_change_seq'), sql.ref('s.id'), RANK_STARTED, after)} ${wanted(sql`'span_started'`)}
        order by s.first_change_seq, s.id limit ${limit})
      union all
      (select s.change_seq, ${RANK_TERMINAL}::int, s.id, ${terminalType}, s.span_id, s.name, coalesce(s.end_time, s.start_time), s.status_message
         from spans s
        where s.project_id = ${projectId} and s.trace_id = ${traceId} and s.status in ('completed', 'failed')
          and ${afterCursor(sql.ref('s.change_seq'), sql.ref('s.id'), RANK_TERMINAL, after)} ${wanted(terminalType)}
        order by s.change_seq, s.id limit ${limit})
      order by seq, rank, key
      limit ${limit}
    ) x
    left join span_events e on x.rank = ${RANK_EXPLICIT}::int and e.id = x.key
    left join spans sp on x.rank = ${RANK_EXPLICIT}::int and sp.trace_id = ${traceId} and sp.span_id = x.span_id
    order by x.seq, x.rank, x.key`
}
