import { sql, type Transaction } from 'kysely'
import type { DB } from './schema.js'

// Reads and writes of the per-trace rollup: aggregates over the trace's spans and events.

export interface RollupInputs {
  project_id: string
  status: 'running' | 'completed' | 'failed'
  status_explicit: boolean
  start_time: Date | null
  end_time: Date | null
  version: number
  total_spans: number
  total_tokens_in: number
  total_tokens_out: number
  total_cache_read_tokens: number
  total_cache_write_tokens: number
  total_reasoning_tokens: number
  total_cost: string
  error_count: number
  duration_ms: number | null
  // aggregates
  span_count: number
  tokens_in: number
  tokens_out: number
  cache_read: number
  cache_write: number
  reasoning: number
  cost: string
  failed_spans: number
  running_spans: number
  failed_roots: number
  error_events: number
  min_start: Date | null
  max_end: Date | null
}

export async function traceProject(trx: Transaction<DB>, traceId: string): Promise<{ project_id: string; trace_id: string } | undefined> {
  return trx.selectFrom('traces').select(['project_id', 'trace_id']).where('id', '=', traceId).executeTakeFirst()
}

/** The trace row (locked) with fresh aggregates of its spans and events; undefined if gone. */
export async function loadRollupInputs(trx: Transaction<DB>, traceId: string): Promise<RollupInputs | undefined> {
  const { rows } = await sql<RollupInputs>`
    select t.project_id, t.status, t.status_explicit, t.start_time, t.end_time, t.version, t.total_spans, t.total_tokens_in,
      t.total_tokens_out, t.total_cache_read_tokens, t.total_cache_write_tokens, t.total_reasoning_tokens, t.total_cost::text,
      t.error_count, t.duration_ms, a.*, e.error_events
    from traces t
    cross join lateral (
      select count(*)::int as span_count,
        coalesce(sum(s.prompt_tokens), 0)::bigint as tokens_in,
        coalesce(sum(s.completion_tokens), 0)::bigint as tokens_out,
        coalesce(sum(s.cache_read_tokens), 0)::bigint as cache_read,
        coalesce(sum(s.cache_write_tokens), 0)::bigint as cache_write,
        coalesce(sum(s.reasoning_tokens), 0)::bigint as reasoning,
        coalesce(sum(s.total_cost), 0)::numeric(24, 12)::text as cost,
        count(*) filter (where s.status = 'failed')::int as failed_spans,
        count(*) filter (where s.status = 'running')::int as running_spans,
        count(*) filter (where s.status = 'failed' and (s.parent_span_id is null or not exists (
          select 1 from spans p where p.trace_id = s.trace_id and p.span_id = s.parent_span_id)))::int as failed_roots,
        min(s.start_time) as min_start,
        max(s.end_time) as max_end
      from spans s where s.trace_id = t.id
    ) a
    cross join lateral (
      select count(*)::int as error_events from span_events ev where ev.trace_id = t.id and ev.event_type in ('error', 'exception')
    ) e
    where t.id = ${traceId}::uuid
    for update of t
  `.execute(trx)
  return rows[0]
}

export interface RollupValues {
  status: 'running' | 'completed' | 'failed'
  start_time: Date | null
  end_time: Date | null
  duration_ms: number | null
  total_spans: number
  total_tokens_in: number
  total_tokens_out: number
  total_cache_read_tokens: number
  total_cache_write_tokens: number
  total_reasoning_tokens: number
  total_cost: string
  error_count: number
}

export async function applyRollup(trx: Transaction<DB>, traceId: string, v: RollupValues, version: number, changeSeq: number): Promise<void> {
  await sql`
    update traces set
      status = ${v.status}, start_time = ${v.start_time}, end_time = ${v.end_time}, duration_ms = ${v.duration_ms},
      total_spans = ${v.total_spans}, total_tokens_in = ${v.total_tokens_in}, total_tokens_out = ${v.total_tokens_out},
      total_cache_read_tokens = ${v.total_cache_read_tokens}, total_cache_write_tokens = ${v.total_cache_write_tokens},
      total_reasoning_tokens = ${v.total_reasoning_tokens}, total_cost = ${v.total_cost}::numeric,
      error_count = ${v.error_count}, rolled_up_version = ${version}, change_seq = ${changeSeq}, updated_at = now()
    where id = ${traceId}::uuid
  `.execute(trx)
}

export async function markRolledUp(trx: Transaction<DB>, traceId: string, version: number): Promise<void> {
  await sql`update traces set rolled_up_version = ${version} where id = ${traceId}::uuid`.execute(trx)
}
