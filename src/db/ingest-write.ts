import { sql, type Transaction } from 'kysely'
import type { EventRec, SessionRec, SpanRec, TraceRec } from '../ingest/prepare.js'
import { CHANGES_CHANNEL, noticePayloads } from '../observe/change-feed.js'
import type { DB } from './schema.js'

// The set-based writes of one ingest batch. Every function is one statement over a whole row set
// (json_to_recordset, or unnest of column arrays for spans), ordered by the row key so that
// concurrent batches lock rows in the same order. Patch rules: a missing value never overwrites a stored one, metadata merges, start times
// take the least and end times the greatest, failed is sticky.

type Trx = Transaction<DB>

export const ROLLUP_TASK = 'continua.trace.rollup'

export async function upsertSessions(trx: Trx, projectId: string, rows: SessionRec[]): Promise<void> {
  if (rows.length === 0) return
  await sql`
    insert into sessions as s (project_id, external_id, name, user_id, metadata, updated_at, last_activity_at)
    select ${projectId}::uuid, x.external_id, nullif(x.name, ''), nullif(x.user_id, ''), coalesce(x.metadata, '{}'), now(), now()
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(external_id text, name text, user_id text, metadata jsonb)
    order by x.external_id
    on conflict (project_id, external_id) do update set
      name = coalesce(nullif(s.name, ''), excluded.name),
      user_id = coalesce(nullif(s.user_id, ''), excluded.user_id),
      metadata = excluded.metadata || s.metadata,
      updated_at = now(),
      last_activity_at = now()
  `.execute(trx)
}

/**
 * Takes `count` consecutive change numbers valid in every one of the given traces (external ids)
 * and returns the first. The traces' counter rows stay locked until commit, so within a trace
 * numbers become visible in commit order. Rows are locked in id order, as every writer does.
 */
export async function allocateChangeSeqs(trx: Trx, projectId: string, traceIds: string[], count: number): Promise<number> {
  const ids = [...new Set(traceIds)].sort()
  // A new counter starts above every number the old per-project counter handed out.
  await sql`
    insert into trace_change_counters (project_id, trace_id, last_seq)
    select ${projectId}::uuid, t, coalesce((select last_seq from project_change_counters where project_id = ${projectId}::uuid), 0)
    from unnest(${ids}::text[]) as t order by t
    on conflict (project_id, trace_id) do nothing
  `.execute(trx)
  const { rows } = await sql<{ base: string }>`
    with l as (
      select last_seq from trace_change_counters where project_id = ${projectId}::uuid and trace_id = any(${ids}::text[])
      order by trace_id for update),
    b as (select max(last_seq) + 1 as base from l)
    update trace_change_counters c set last_seq = b.base + ${count} - 1 from b
    where c.project_id = ${projectId}::uuid and c.trace_id = any(${ids}::text[])
    returning b.base
  `.execute(trx)
  return Number(rows[0]!.base)
}

export async function upsertTraces(trx: Trx, projectId: string, rows: TraceRec[], seqBase: number): Promise<Array<{ id: string; trace_id: string }>> {
  if (rows.length === 0) return []
  const { rows: out } = await sql<{ id: string; trace_id: string }>`
    insert into traces as t (project_id, trace_id, placeholder, session_id, name, user_id, tags, environment, release, metadata,
      input, output, input_truncated, input_original_size_bytes, output_truncated, output_original_size_bytes,
      status, status_explicit, start_time, end_time, change_seq, updated_at)
    select ${projectId}::uuid, x.trace_id, x.placeholder, s.id, x.name, x.user_id, coalesce(x.tags, '{}'), x.environment, x.release,
      coalesce(x.metadata, '{}'), x.input, x.output, x.input_truncated, x.input_original_size_bytes, x.output_truncated,
      x.output_original_size_bytes, coalesce(x.status, 'running'), x.status is not null, x.start_time, x.end_time,
      ${seqBase}::bigint + x.off, now()
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(trace_id text, placeholder boolean, session_ext text, name text,
      user_id text, tags text[], environment text, release text, metadata jsonb, input jsonb, output jsonb, input_truncated boolean,
      input_original_size_bytes integer, output_truncated boolean, output_original_size_bytes integer, status text,
      start_time timestamptz, end_time timestamptz, off integer)
    left join sessions s on s.project_id = ${projectId}::uuid and s.external_id = x.session_ext
    order by x.trace_id
    on conflict (project_id, trace_id) do update set
      placeholder = t.placeholder and excluded.placeholder,
      session_id = coalesce(excluded.session_id, t.session_id),
      name = coalesce(excluded.name, t.name),
      user_id = coalesce(excluded.user_id, t.user_id),
      tags = case when cardinality(excluded.tags) > 0 then excluded.tags else t.tags end,
      environment = coalesce(excluded.environment, t.environment),
      release = coalesce(excluded.release, t.release),
      metadata = t.metadata || excluded.metadata,
      input = coalesce(excluded.input, t.input),
      input_truncated = case when excluded.input is null then t.input_truncated else excluded.input_truncated end,
      input_original_size_bytes = case when excluded.input is null then t.input_original_size_bytes else excluded.input_original_size_bytes end,
      output = coalesce(excluded.output, t.output),
      output_truncated = case when excluded.output is null then t.output_truncated else excluded.output_truncated end,
      output_original_size_bytes = case when excluded.output is null then t.output_original_size_bytes else excluded.output_original_size_bytes end,
      status = case when t.status = 'failed' and t.status_explicit then t.status
                    when excluded.status_explicit then excluded.status else t.status end,
      status_explicit = t.status_explicit or excluded.status_explicit,
      start_time = least(t.start_time, excluded.start_time),
      end_time = greatest(t.end_time, excluded.end_time),
      version = t.version + 1,
      change_seq = excluded.change_seq,
      updated_at = now()
    returning id, trace_id
  `.execute(trx)
  return out
}

// Spans go in as one array per column (unnest): the cheapest way to hand Postgres many rows.
const SPAN_ARRAYS: Array<[keyof SpanRec, string]> = [
  ['span_id', 'text'], ['trace_id', 'text'], ['parent_span_id', 'text'], ['name', 'text'], ['type', 'text'], ['status', 'text'],
  ['status_message', 'text'], ['level', 'text'], ['start_time', 'timestamptz'], ['end_time', 'timestamptz'], ['input', 'jsonb'],
  ['output', 'jsonb'], ['metadata', 'jsonb'], ['input_truncated', 'boolean'], ['input_original_size_bytes', 'integer'],
  ['input_truncation_reason', 'text'], ['output_truncated', 'boolean'], ['output_original_size_bytes', 'integer'],
  ['output_truncation_reason', 'text'], ['metadata_truncated', 'boolean'], ['metadata_original_size_bytes', 'integer'],
  ['model', 'text'], ['provider', 'text'], ['prompt_tokens', 'bigint'], ['completion_tokens', 'bigint'], ['total_tokens', 'bigint'],
  ['cache_read_tokens', 'bigint'], ['cache_write_tokens', 'bigint'], ['reasoning_tokens', 'bigint'], ['total_cost', 'numeric'],
  ['cost_source', 'text'], ['price_table_version', 'text'], ['otel', 'jsonb'], ['sequence', 'integer'], ['depth', 'integer'],
  ['off', 'integer'],
]
const SPAN_ALIAS = sql.raw(SPAN_ARRAYS.map(([name]) => name).join(', '))

function spanColumnArrays(rows: SpanRec[]) {
  return SPAN_ARRAYS.map(([name, type]) => {
    const values = rows.map((r) => {
      const v = r[name]
      if (v === null || v === undefined) return null
      return type === 'jsonb' ? JSON.stringify(v) : v
    })
    return sql`${values}::${sql.raw(type)}[]`
  })
}

export async function upsertSpans(
  trx: Trx,
  projectId: string,
  rows: SpanRec[],
  seqBase: number,
  options: { returnIds: boolean } = { returnIds: true },
): Promise<Array<{ id: string; trace_id: string; span_id: string }>> {
  if (rows.length === 0) return []
  const { rows: out } = await sql<{ id: string; trace_id: string; span_id: string }>`
    insert into spans as s (project_id, trace_id, span_id, parent_span_id, name, type, status, status_message, level, start_time,
      end_time, duration_ms, input, output, metadata, input_truncated, input_original_size_bytes, input_truncation_reason,
      output_truncated, output_original_size_bytes, output_truncation_reason, metadata_truncated, metadata_original_size_bytes,
      model, provider, prompt_tokens, completion_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
      total_cost, cost_source, price_table_version, otel, sequence, depth, first_change_seq, change_seq, updated_at)
    select ${projectId}::uuid, t.id, x.span_id, x.parent_span_id, x.name, x.type, x.status, x.status_message, x.level, x.start_time,
      x.end_time, (extract(epoch from x.end_time - x.start_time) * 1000)::bigint, x.input, x.output, coalesce(x.metadata, '{}'),
      x.input_truncated, x.input_original_size_bytes, x.input_truncation_reason, x.output_truncated, x.output_original_size_bytes,
      x.output_truncation_reason, x.metadata_truncated, x.metadata_original_size_bytes, x.model, x.provider, x.prompt_tokens,
      x.completion_tokens, x.total_tokens, x.cache_read_tokens, x.cache_write_tokens, x.reasoning_tokens, x.total_cost,
      x.cost_source, x.price_table_version, x.otel, x.sequence, x.depth,
      ${seqBase}::bigint + x.off, ${seqBase}::bigint + x.off, now()
    from unnest(${sql.join(spanColumnArrays(rows))}) as x(${SPAN_ALIAS})
    join traces t on t.project_id = ${projectId}::uuid and t.trace_id = x.trace_id
    order by t.id, x.span_id
    on conflict (trace_id, span_id) do update set
      parent_span_id = coalesce(excluded.parent_span_id, s.parent_span_id),
      name = excluded.name,
      type = case when excluded.type = 'default' then s.type else excluded.type end,
      status = case when s.status = 'failed' or excluded.status = 'running' then s.status else excluded.status end,
      status_message = coalesce(excluded.status_message, s.status_message),
      level = case when excluded.level = 'default' then s.level else excluded.level end,
      start_time = least(s.start_time, excluded.start_time),
      end_time = greatest(s.end_time, excluded.end_time),
      duration_ms = (extract(epoch from greatest(s.end_time, excluded.end_time) - least(s.start_time, excluded.start_time)) * 1000)::bigint,
      input = coalesce(excluded.input, s.input),
      input_truncated = case when excluded.input is null then s.input_truncated else excluded.input_truncated end,
      input_original_size_bytes = case when excluded.input is null then s.input_original_size_bytes else excluded.input_original_size_bytes end,
      input_truncation_reason = case when excluded.input is null then s.input_truncation_reason else excluded.input_truncation_reason end,
      output = coalesce(excluded.output, s.output),
      output_truncated = case when excluded.output is null then s.output_truncated else excluded.output_truncated end,
      output_original_size_bytes = case when excluded.output is null then s.output_original_size_bytes else excluded.output_original_size_bytes end,
      output_truncation_reason = case when excluded.output is null then s.output_truncation_reason else excluded.output_truncation_reason end,
      metadata = s.metadata || excluded.metadata,
      metadata_truncated = s.metadata_truncated or excluded.metadata_truncated,
      metadata_original_size_bytes = coalesce(excluded.metadata_original_size_bytes, s.metadata_original_size_bytes),
      model = coalesce(excluded.model, s.model),
      provider = coalesce(excluded.provider, s.provider),
      prompt_tokens = coalesce(excluded.prompt_tokens, s.prompt_tokens),
      completion_tokens = coalesce(excluded.completion_tokens, s.completion_tokens),
      total_tokens = coalesce(excluded.total_tokens, s.total_tokens),
      cache_read_tokens = coalesce(excluded.cache_read_tokens, s.cache_read_tokens),
      cache_write_tokens = coalesce(excluded.cache_write_tokens, s.cache_write_tokens),
      reasoning_tokens = coalesce(excluded.reasoning_tokens, s.reasoning_tokens),
      -- a client cost always wins over a derived one; a derived one never replaces a client one
      total_cost = case when excluded.cost_source = 'client' or (excluded.cost_source is not null and s.cost_source is distinct from 'client')
                        then excluded.total_cost else s.total_cost end,
      cost_source = case when excluded.cost_source = 'client' or (excluded.cost_source is not null and s.cost_source is distinct from 'client')
                         then excluded.cost_source else s.cost_source end,
      price_table_version = case when excluded.cost_source = 'client' or (excluded.cost_source is not null and s.cost_source is distinct from 'client')
                                 then excluded.price_table_version else s.price_table_version end,
      otel = coalesce(excluded.otel, s.otel),
      sequence = coalesce(excluded.sequence, s.sequence),
      depth = coalesce(excluded.depth, s.depth),
      change_seq = excluded.change_seq,
      updated_at = now()
    ${options.returnIds ? sql`returning id, trace_id, span_id` : sql``}
  `.execute(trx)
  return out
}

/** Name paths ("root / child / span") of the given spans, walking parents stored in the trace. */
export async function spanNamePaths(trx: Trx, projectId: string, wanted: Array<{ trace_id: string; span_id: string }>): Promise<Map<string, string>> {
  const result = new Map<string, string>()
  if (wanted.length === 0) return result
  const { rows } = await sql<{ trace_ext: string; span_id: string; path: string }>`
    with recursive want as (
      select distinct x.trace_id as trace_ext, t.id as tid, x.span_id
      from json_to_recordset(${JSON.stringify(wanted)}::json) as x(trace_id text, span_id text)
      join traces t on t.project_id = ${projectId}::uuid and t.trace_id = x.trace_id
    ), walk as (
      select w.trace_ext, w.span_id as origin, s.parent_span_id, s.name::text as path, w.tid, 1 as depth
      from want w join spans s on s.trace_id = w.tid and s.span_id = w.span_id
      union all
      select walk.trace_ext, walk.origin, p.parent_span_id, p.name || ' / ' || walk.path, walk.tid, walk.depth + 1
      from walk join spans p on p.trace_id = walk.tid and p.span_id = walk.parent_span_id
      where walk.depth < 64
    )
    select distinct on (trace_ext, origin) trace_ext, origin as span_id, path from walk order by trace_ext, origin, depth desc
  `.execute(trx)
  for (const r of rows) result.set(`${r.trace_ext}\u0000${r.span_id}`, r.path)
  return result
}

/** Inserts events; those whose idempotency key is already stored are skipped. Returns inserted ids. */
export async function insertEvents(trx: Trx, projectId: string, rows: EventRec[], seqBase: number): Promise<string[]> {
  if (rows.length === 0) return []
  const { rows: out } = await sql<{ id: string }>`
    insert into span_events (id, project_id, trace_id, span_id, event_type, level, event_ts, sequence, message, payload, truncated,
      original_size_bytes, truncation_reason, idempotency_key, change_seq)
    select x.id, ${projectId}::uuid, t.id, x.span_id, x.event_type, x.level, x.event_ts, x.sequence, x.message, coalesce(x.payload, '{}'),
      x.truncated, x.original_size_bytes, x.truncation_reason, x.idempotency_key, ${seqBase}::bigint + x.off
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(id uuid, trace_id text, span_id text, event_type text, level text,
      event_ts timestamptz, sequence integer, message text, payload jsonb, truncated boolean, original_size_bytes integer,
      truncation_reason text, idempotency_key text, off integer)
    join traces t on t.project_id = ${projectId}::uuid and t.trace_id = x.trace_id
    order by x.off
    on conflict (project_id, idempotency_key) where idempotency_key is not null do nothing
    returning id
  `.execute(trx)
  return out.map((r) => r.id)
}

export interface OriginalRow {
  trace_uuid: string
  owner_kind: 'trace' | 'span' | 'event'
  owner_id: string
  field: string
  body: string // base64 of the gzip
  byte_size: number
  sha256: string
}

export async function upsertPayloadOriginals(trx: Trx, projectId: string, rows: OriginalRow[]): Promise<void> {
  if (rows.length === 0) return
  await sql`
    insert into payload_originals (project_id, trace_id, owner_kind, owner_id, field, body, byte_size, sha256)
    select ${projectId}::uuid, x.trace_uuid, x.owner_kind, x.owner_id, x.field, decode(x.body, 'base64'), x.byte_size, x.sha256
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(trace_uuid uuid, owner_kind text, owner_id uuid, field text,
      body text, byte_size integer, sha256 text)
    order by x.owner_kind, x.owner_id, x.field
    on conflict (owner_kind, owner_id, field) do update set
      body = excluded.body, byte_size = excluded.byte_size, sha256 = excluded.sha256, created_at = now()
  `.execute(trx)
}

/**
 * Ends the batch's writes in one round trip: one coalesced rollup job per trace (a burst of
 * batches updates the pending job instead of adding jobs) and the change notification, which
 * Postgres delivers on commit. Long trace lists are notified in chunks under the 8000-byte limit.
 */
export async function enqueueRollupsAndNotify(trx: Trx, projectId: string, traceUuids: string[], maxSeq: number, delayMs = 500): Promise<void> {
  if (traceUuids.length === 0) return
  const sorted = [...new Set(traceUuids)].sort()
  await sql`
    select
      (select count(*) from graphile_worker.add_jobs(array(
        select row(${ROLLUP_TASK}, json_build_object('trace_id', t), null, now() + make_interval(secs => ${delayMs / 1000}),
                   10, 'trace_rollup:' || t, null, null)::graphile_worker.job_spec
        from unnest(${sorted}::uuid[]) as t order by t
      ), true)) as jobs,
      (select count(pg_notify(${CHANGES_CHANNEL}, p)) from unnest(${noticePayloads(projectId, sorted, maxSeq)}::text[]) as p) as notified
  `.execute(trx)
}

/** Tells listeners (SSE) which traces changed; delivered on commit. */
export async function notifyChanges(trx: Trx, projectId: string, traceUuids: string[], maxSeq: number): Promise<void> {
  const payloads = noticePayloads(projectId, [...new Set(traceUuids)].sort(), maxSeq)
  await sql`select pg_notify(${CHANGES_CHANNEL}, p) from unnest(${payloads}::text[]) as p`.execute(trx)
}

