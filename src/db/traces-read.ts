import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import type { DB, SpanEventRow, SpanRow } from './schema.js'
import type { TraceListRow } from '../observe/mappers.js'

// Read queries for traces, spans and events. Every query is filtered by the caller's project
// scope (undefined = an operator reading across projects); another project's row is never found.

export interface TraceFilters {
  q?: string
  status?: 'running' | 'completed' | 'failed'
  sessionId?: string
  userId?: string
  startFrom?: string
  startTo?: string
  hasErrors?: boolean
  minDurationMs?: number
  tags?: string[]
  environment?: string
  /** Top-level metadata key/value pairs, all required (see metadataMatches). */
  metadata?: Array<{ key: string; value: string }>
  engine?: EngineFilters
  sortDir: 'asc' | 'desc'
}

export interface EngineFilters {
  only?: boolean
  runId?: string
  instanceKey?: string
  definitionName?: string
  definitionVersion?: string
  runStatus?: string
  parentRunId?: string
  rootRunId?: string
  projectionState?: string
}

export interface TraceKeyset {
  startedAt: string
  id: string
}

/** `%`, `_` and `\` match themselves in the ILIKE patterns built from user input. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

const startedAt = sql<Date>`coalesce(t.start_time, t.server_received_at)`

function baseTraceQuery(db: Kysely<DB>, projectId: string | undefined, f: TraceFilters) {
  let q = db.selectFrom('traces as t').leftJoin('sessions as s', 's.id', 't.session_id')
  if (projectId) q = q.where('t.project_id', '=', projectId)
  if (f.status) q = q.where('t.status', '=', f.status)
  if (f.sessionId) q = q.where('t.session_id', '=', f.sessionId)
  if (f.userId !== undefined) q = q.where('t.user_id', '=', f.userId)
  if (f.startFrom) q = q.where(startedAt, '>=', new Date(f.startFrom))
  if (f.startTo) q = q.where(startedAt, '<=', new Date(f.startTo))
  if (f.hasErrors === true) q = q.where('t.error_count', '>', 0)
  if (f.hasErrors === false) q = q.where('t.error_count', '=', 0)
  if (f.minDurationMs !== undefined) {
    // Open traces count their duration up to now, as the reference does.
    q = q.where(
      sql<number>`coalesce(t.duration_ms, extract(epoch from (coalesce(t.end_time, now()) - coalesce(t.start_time, t.server_received_at))) * 1000)`,
      '>=',
      f.minDurationMs,
    )
  }
  if (f.tags?.length) q = q.where(sql<SqlBool>`t.tags @> ${f.tags}::text[]`)
  if (f.environment !== undefined) q = q.where('t.environment', '=', f.environment)
  if (f.q) q = q.where(searchMatches(f.q))
  for (const m of f.metadata ?? []) q = q.where(metadataMatches(m.key, m.value))
  const e = f.engine
  if (e) {
    if (e.only) q = q.where('t.engine_run_id', 'is not', null)
    if (e.runId) q = q.where('t.engine_run_id', '=', e.runId)
    if (e.instanceKey !== undefined) q = q.where('t.engine_instance_key', '=', e.instanceKey)
    if (e.definitionName !== undefined) q = q.where('t.engine_definition_name', '=', e.definitionName)
    if (e.definitionVersion !== undefined) q = q.where('t.engine_definition_version', '=', e.definitionVersion)
    if (e.runStatus) q = q.where('t.engine_run_status', '=', e.runStatus)
    if (e.parentRunId) q = q.where('t.engine_parent_run_id', '=', e.parentRunId)
    if (e.rootRunId) q = q.where('t.engine_root_run_id', '=', e.rootRunId)
    if (e.projectionState) q = q.where(sql<SqlBool>`t.engine_run_id is not null and ${projectionState} = ${e.projectionState}`)
  }
  return q
}

/** The projection state lives on the run; 'up_to_date' when the run row is gone. */
const projectionState = sql<string>`coalesce((select er.projection_state from engine.runs er where er.id = t.engine_run_id), 'up_to_date')`

// The exponent is kept to four digits: Postgres numeric overflows well before 1e999999.
const JSON_LITERAL = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d{1,4})?|true|false|null)$/

/**
 * Containment on traces.metadata: the key holds the value as a string, or, when the value reads
 * as a JSON number, true, false or null, that typed value (so `retries:3` matches 3 and "3").
 */
export function metadataMatches(key: string, value: string): Expression<SqlBool> {
  const asString = sql<SqlBool>`t.metadata @> jsonb_build_object(${key}::text, ${value}::text)`
  if (!JSON_LITERAL.test(value)) return asString
  return sql<SqlBool>`(${asString} or t.metadata @> jsonb_build_object(${key}::text, ${value}::jsonb))`
}

function searchMatches(text: string): Expression<SqlBool> {
  const pattern = `%${escapeLike(text)}%`
  return sql<SqlBool>`(
    t.search_vector @@ plainto_tsquery('simple', ${text})
    or t.id::text = lower(${text})
    or t.trace_id ilike ${pattern} or t.name ilike ${pattern} or t.user_id ilike ${pattern} or s.external_id ilike ${pattern}
    or exists (select 1 from spans sp where sp.trace_id = t.id and sp.project_id = t.project_id
               and (sp.name ilike ${pattern} or sp.span_id ilike ${pattern}))
  )`
}

/** Traces matching the filters: one page (offset or keyset) and the total. */
export async function listTraces(
  db: Kysely<DB>,
  projectId: string | undefined,
  f: TraceFilters,
  page: { limit: number; offset: number; after?: TraceKeyset },
): Promise<{ rows: Array<TraceListRow & { sort_started_at: Date }>; total: number }> {
  const base = baseTraceQuery(db, projectId, f)
  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  let q = base
    .selectAll('t')
    .select(['s.external_id as session_external_id', startedAt.as('sort_started_at')])
    .select(sql<string | null>`case when t.engine_run_id is not null then ${projectionState} end`.as('engine_projection_state'))
  if (f.q) {
    const exact = f.q.toLowerCase()
    const pattern = `%${escapeLike(f.q)}%`
    // Exact ids first, then traces matching on their own fields, then by text rank, then newest.
    q = q
      .orderBy(sql`case when t.id::text = ${exact} or lower(t.trace_id) = ${exact} then 0
        when t.search_vector @@ plainto_tsquery('simple', ${f.q}) or t.name ilike ${pattern} or t.trace_id ilike ${pattern} then 1 else 2 end`)
      .orderBy(sql`ts_rank(t.search_vector, plainto_tsquery('simple', ${f.q}))`, 'desc')
      .orderBy(startedAt, 'desc')
      .orderBy('t.id', 'desc')
  } else {
    if (page.after) {
      const cmp = f.sortDir === 'desc' ? sql.raw('<') : sql.raw('>')
      q = q.where(sql<SqlBool>`(coalesce(t.start_time, t.server_received_at), t.id) ${cmp} (${new Date(page.after.startedAt)}, ${page.after.id}::uuid)`)
    }
    q = q.orderBy(startedAt, f.sortDir).orderBy('t.id', f.sortDir)
  }
  const rows = await q.limit(page.limit).offset(page.after ? 0 : page.offset).execute()
  return { rows: rows as Array<TraceListRow & { sort_started_at: Date }>, total: Number(totalRow.n) }
}

export async function getTrace(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<TraceListRow | undefined> {
  let q = db
    .selectFrom('traces as t')
    .leftJoin('sessions as s', 's.id', 't.session_id')
    .selectAll('t')
    .select('s.external_id as session_external_id')
    .select(sql<string | null>`case when t.engine_run_id is not null then ${projectionState} end`.as('engine_projection_state'))
    .where('t.id', '=', id)
  if (projectId) q = q.where('t.project_id', '=', projectId)
  return (await q.executeTakeFirst()) as TraceListRow | undefined
}

/** Every span of a trace in start order (then client sequence, then write order). */
export async function listSpans(db: Kysely<DB>, projectId: string, traceId: string): Promise<SpanRow[]> {
  return db
    .selectFrom('spans')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('trace_id', '=', traceId)
    .orderBy('start_time')
    .orderBy(sql`sequence nulls last`)
    .orderBy('first_change_seq')
    .orderBy('id')
    .execute()
}

/**
 * The span tree without payloads as one JSON array text, built by Postgres: a 10,000-span trace
 * then costs one value to decode instead of 10,000 rows. Field for field the same as spanToWire
 * with payloads left out (a test holds the two together). With it, the trace's high-water mark
 * read in the same snapshot: a live view that resumes its stream after it misses nothing.
 */
export async function spanSummariesJson(db: Kysely<DB>, projectId: string, traceId: string): Promise<{ spans: string; highWater: number }> {
  const time = (col: string) => sql`to_char(${sql.ref(col)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
  const res = await sql<{ spans: string; high_water: string }>`
    select ${highWaterSql(projectId, traceId)} as high_water,
      coalesce(json_agg(json_strip_nulls(json_build_object(
      'id', s.id, 'trace_id', s.trace_id, 'span_id', s.span_id, 'parent_span_id', s.parent_span_id, 'name', s.name,
      'kind', case s.type when 'llm' then 'LLM' when 'tool' then 'TOOL' when 'chain' then 'CHAIN' when 'agent' then 'AGENT' else 'CUSTOM' end,
      'type', s.type,
      'status', case s.status when 'running' then 'STARTED' when 'completed' then 'COMPLETED' when 'ok' then 'COMPLETED'
                              when 'failed' then 'FAILED' when 'error' then 'FAILED' else 'SCHEDULED' end,
      'level', s.level, 'started_at', ${time('s.start_time')}, 'ended_at', ${time('s.end_time')},
      'tokens_in', s.prompt_tokens, 'tokens_out', s.completion_tokens, 'total_tokens', s.total_tokens,
      'cache_read_tokens', s.cache_read_tokens, 'cache_write_tokens', s.cache_write_tokens, 'reasoning_tokens', s.reasoning_tokens,
      'cost_usd', s.total_cost::float8, 'cost_usd_decimal', trim_scale(s.total_cost)::text, 'cost_source', s.cost_source,
      'latency_ms', s.duration_ms, 'error_message', s.status_message, 'model', s.model, 'provider', s.provider,
      'input_truncated', s.input_truncated, 'input_original_size_bytes', s.input_original_size_bytes, 'input_truncation_reason', s.input_truncation_reason,
      'output_truncated', s.output_truncated, 'output_original_size_bytes', s.output_original_size_bytes, 'output_truncation_reason', s.output_truncation_reason,
      'sequence', s.sequence, 'depth', s.depth, 'change_seq', s.change_seq
    )) order by s.start_time, s.sequence nulls last, s.first_change_seq, s.id), '[]')::text as spans
    from spans s
    where s.project_id = ${projectId} and s.trace_id = ${traceId}`.execute(db)
  return { spans: res.rows[0]!.spans, highWater: Number(res.rows[0]!.high_water) }
}

export async function listEvents(
  db: Kysely<DB>,
  projectId: string,
  traceId: string,
  options: { kinds?: string[]; afterSeq?: number } = {},
): Promise<SpanEventRow[]> {
  let q = db.selectFrom('span_events').selectAll().where('project_id', '=', projectId).where('trace_id', '=', traceId)
  if (options.kinds) q = q.where('event_type', 'in', options.kinds as SpanEventRow['event_type'][])
  if (options.afterSeq !== undefined) q = q.where('change_seq', '>', options.afterSeq)
  return q
    .orderBy(sql`coalesce(event_ts, server_ingested_at)`)
    .orderBy(sql`sequence nulls last`)
    .orderBy('change_seq')
    .orderBy('id')
    .execute()
}

export async function spansChangedSince(db: Kysely<DB>, projectId: string, traceId: string, afterSeq: number): Promise<SpanRow[]> {
  return db
    .selectFrom('spans')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('trace_id', '=', traceId)
    .where('change_seq', '>', afterSeq)
    .orderBy('change_seq')
    .orderBy('id')
    .execute()
}

/** Names of a trace's spans by external id (for labelling events). */
export async function spanNames(db: Kysely<DB>, projectId: string, traceId: string, spanIds: string[]): Promise<Map<string, string>> {
  if (spanIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('spans')
    .select(['span_id', 'name'])
    .where('project_id', '=', projectId)
    .where('trace_id', '=', traceId)
    .where('span_id', 'in', [...new Set(spanIds)])
    .execute()
  return new Map(rows.map((r) => [r.span_id, r.name]))
}

/** The highest change sequence stamped on any row of the trace (0 when none), as an expression. */
function highWaterSql(projectId: string, traceId: string) {
  return sql<string>`greatest(
      (select change_seq from traces where id = ${traceId} and project_id = ${projectId}),
      (select max(change_seq) from spans where trace_id = ${traceId} and project_id = ${projectId}),
      (select max(change_seq) from span_events where trace_id = ${traceId} and project_id = ${projectId}), 0)`
}

/** The highest change sequence stamped on any row of the trace (0 when none). */
export async function traceHighWater(db: Kysely<DB>, projectId: string, traceId: string): Promise<number> {
  const row = await sql<{ seq: string }>`select ${highWaterSql(projectId, traceId)} as seq`.execute(db)
  return Number(row.rows[0]?.seq ?? 0)
}

/** Internal ids of traces named by their external ids. */
export async function traceIdsByExternal(db: Kysely<DB>, projectId: string, externalIds: string[]): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map()
  const rows = await db.selectFrom('traces').select(['id', 'trace_id']).where('project_id', '=', projectId).where('trace_id', 'in', externalIds).execute()
  return new Map(rows.map((r) => [r.trace_id, r.id]))
}

/** Span and event counts per trace. */
export async function countTraceContents(db: Kysely<DB>, projectId: string, traceIds: string[]): Promise<Map<string, { spans: number; events: number }>> {
  if (traceIds.length === 0) return new Map()
  const res = await sql<{ id: string; spans: number; events: number }>`
    select t.id,
      (select count(*) from spans s where s.trace_id = t.id and s.project_id = t.project_id)::int as spans,
      (select count(*) from span_events e where e.trace_id = t.id and e.project_id = t.project_id)::int as events
    from traces t where t.project_id = ${projectId} and t.id = any(${traceIds}::uuid[])`.execute(db)
  return new Map(res.rows.map((r) => [r.id, { spans: r.spans, events: r.events }]))
}
