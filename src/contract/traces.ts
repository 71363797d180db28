import { z } from 'zod'
import { EVENT_KINDS, EVENT_LEVELS } from './ingest.js'

// Read-side wire shapes for traces, spans and the timeline. Field names and enums are the
// reference's; additions: raw span `type`, exact decimal cost strings, every token bucket,
// change sequences and keyset cursors.

export const TRACE_STATUS_BUCKETS = ['RUNNING', 'COMPLETED', 'FAILED'] as const
export const SPAN_STATUS_BUCKETS = ['SCHEDULED', 'STARTED', 'COMPLETED', 'FAILED'] as const
export const SPAN_KIND_BUCKETS = ['LLM', 'TOOL', 'CHAIN', 'AGENT', 'CUSTOM'] as const

const isoTime = z.iso.datetime({ offset: true })
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/).describe('Exact decimal, e.g. "0.0123"')

export const ENGINE_RUN_STATUSES = [
  'queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new',
] as const
export const ENGINE_PROJECTION_STATES = ['up_to_date', 'catching_up', 'summary_only', 'journal_expired'] as const

export const EngineTraceInfo = z
  .object({
    run_id: z.uuid(),
    definition_name: z.string(),
    definition_version: z.string(),
    projection_state: z.enum(ENGINE_PROJECTION_STATES),
    instance_key: z.string().optional(),
    status: z.string().describe('Run status in upper case, as the engine API reports it (QUEUED … CONTINUED_AS_NEW)'),
    parent_run_id: z.uuid().optional(),
    root_run_id: z.uuid().optional(),
  })
  .meta({ id: 'EngineTraceInfo' })
export type EngineTraceInfo = z.infer<typeof EngineTraceInfo>

export const Trace = z
  .object({
    id: z.uuid(),
    session_id: z.uuid().optional(),
    session_external_id: z.string().optional(),
    trace_id: z.string().describe('External trace id, as the client sent it'),
    name: z.string(),
    status: z.enum(TRACE_STATUS_BUCKETS),
    started_at: isoTime,
    ended_at: isoTime.optional(),
    duration_ms: z.number().int().optional(),
    user_id: z.string().optional(),
    total_spans: z.number().int(),
    total_tokens_in: z.number().int(),
    total_tokens_out: z.number().int(),
    total_cache_read_tokens: z.number().int(),
    total_cache_write_tokens: z.number().int(),
    total_reasoning_tokens: z.number().int(),
    total_cost_usd: z.number().describe('Cost as a JSON number (compatibility); see total_cost_usd_decimal'),
    total_cost_usd_decimal: decimalString,
    error_count: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
    change_seq: z.number().int().describe('Change sequence of the latest write to the trace row'),
    engine: EngineTraceInfo.optional().describe('Present when the trace is the projection of a durable run'),
  })
  .meta({ id: 'Trace' })
export type Trace = z.infer<typeof Trace>

export const TraceDetail = Trace.extend({
  tags: z.array(z.string()),
  environment: z.string().optional(),
  release: z.string().optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  input_truncated: z.boolean(),
  input_original_size_bytes: z.number().int().optional(),
  output_truncated: z.boolean(),
  output_original_size_bytes: z.number().int().optional(),
  placeholder: z.boolean().describe('True while only spans/events named this trace; the trace itself has not arrived'),
}).meta({ id: 'TraceDetail' })
export type TraceDetail = z.infer<typeof TraceDetail>

export const TraceList = z
  .object({
    traces: z.array(Trace),
    total: z.number().int(),
    next_cursor: z.string().optional().describe('Opaque keyset cursor for the next page; absent on the last page'),
  })
  .meta({ id: 'TraceList' })
export type TraceList = z.infer<typeof TraceList>

export const Span = z
  .object({
    id: z.uuid(),
    trace_id: z.uuid(),
    span_id: z.string(),
    parent_span_id: z.string().optional(),
    name: z.string(),
    kind: z.enum(SPAN_KIND_BUCKETS),
    type: z.string().describe('The stored span type (llm, tool, retrieval, ...); kind is its bucket'),
    status: z.enum(SPAN_STATUS_BUCKETS),
    level: z.string(),
    started_at: isoTime,
    ended_at: isoTime.optional(),
    tokens_in: z.number().int().optional(),
    tokens_out: z.number().int().optional(),
    total_tokens: z.number().int().optional(),
    cache_read_tokens: z.number().int().optional(),
    cache_write_tokens: z.number().int().optional(),
    reasoning_tokens: z.number().int().optional(),
    cost_usd: z.number().optional(),
    cost_usd_decimal: decimalString.optional(),
    cost_source: z.string().optional(),
    latency_ms: z.number().int().optional(),
    error_message: z.string().optional(),
    model: z.string().optional(),
    provider: z.string().optional(),
    input: z.unknown().optional(),
    input_truncated: z.boolean(),
    input_original_size_bytes: z.number().int().optional(),
    input_truncation_reason: z.string().optional(),
    output: z.unknown().optional(),
    output_truncated: z.boolean(),
    output_original_size_bytes: z.number().int().optional(),
    output_truncation_reason: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Absent only when payloads were left out'),
    sequence: z.number().int().optional(),
    depth: z.number().int().optional(),
    change_seq: z.number().int(),
  })
  .meta({ id: 'Span' })
export type Span = z.infer<typeof Span>

export const SpanList = z
  .object({
    spans: z.array(Span),
    high_water: z
      .number()
      .int()
      .optional()
      .describe('With include_payloads=false: the trace\'s highest change number, read with the spans; resume the live stream after it'),
  })
  .meta({ id: 'SpanList' })
export type SpanList = z.infer<typeof SpanList>

export const TIMELINE_EVENT_TYPES = [...EVENT_KINDS, 'span_started', 'span_completed', 'span_failed'] as const

export const TimelineEvent = z
  .object({
    id: z.string().describe('Event UUID for stored events; "<span_id>:<event_type>" for synthetic markers'),
    trace_id: z.uuid(),
    span_id: z.string().optional(),
    span_name: z.string().optional(),
    event_type: z.enum(TIMELINE_EVENT_TYPES),
    timestamp: isoTime,
    source: z.enum(['explicit', 'synthetic']),
    level: z.enum(EVENT_LEVELS).optional(),
    sequence: z.number().int().optional(),
    message: z.string().optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
    change_seq: z.number().int().describe('Position in the project change sequence; timeline cursors page on it'),
  })
  .meta({ id: 'TimelineEvent' })
export type TimelineEvent = z.infer<typeof TimelineEvent>

export const TimelineResponse = z
  .object({
    events: z.array(TimelineEvent),
    trace_status: z.enum(TRACE_STATUS_BUCKETS),
    has_more: z.boolean(),
    next_cursor: z.string().optional(),
    poll_cursor: z.string().optional(),
  })
  .meta({ id: 'TimelineResponse' })
export type TimelineResponse = z.infer<typeof TimelineResponse>

// --- query parameters -------------------------------------------------------------------------

export const boolParam = (name: string) =>
  z.enum(['true', 'false', '1', '0'], { error: `${name} must be true or false` }).transform((v) => v === 'true' || v === '1')

export const intParam = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`))

/** Free text in a query: bounded, and without NUL (Postgres text cannot hold it). */
export const textParam = (name: string, max: number) =>
  z
    .string({ error: `${name} must be a single string` })
    .max(max, `${name} must be at most ${max} characters`)
    .refine((v) => !v.includes('\u0000'), `${name} must not contain NUL bytes`)

const timeParam = (name: string) => z.iso.datetime({ offset: true, error: `${name} must be an RFC 3339 timestamp` })

export const METADATA_FILTER_MAX = 20

/** One `key:value` metadata filter; a value that reads as a number, true, false or null also matches that JSON value. */
export interface MetadataFilter {
  key: string
  value: string
}

/** `metadata=key:value`, repeatable (every one must match); split at the first colon. */
export const metadataParam = z
  .union([z.string(), z.array(z.string())], { error: 'metadata must be key:value' })
  .transform((raw, ctx): MetadataFilter[] => {
    const list = Array.isArray(raw) ? raw : [raw]
    if (list.length > METADATA_FILTER_MAX) {
      ctx.addIssue({ code: 'custom', message: `metadata may be given at most ${METADATA_FILTER_MAX} times` })
      return z.NEVER
    }
    const out: MetadataFilter[] = []
    for (const item of list) {
      const problem =
        item.length > 1024 ? 'metadata must be at most 1024 characters'
        : item.includes('\u0000') ? 'metadata must not contain NUL bytes'
        : item.indexOf(':') <= 0 ? `metadata must be key:value with a non-empty key (got "${item.slice(0, 60)}")`
        : undefined
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem })
        return z.NEVER
      }
      const at = item.indexOf(':')
      out.push({ key: item.slice(0, at), value: item.slice(at + 1) })
    }
    return out
  })
  .describe('key:value, repeatable (all must match): traces whose metadata has that top-level key with that string value; a value that reads as a JSON number, true, false or null also matches that typed value')

export const TraceListQuery = z
  .object({
    project_id: z.string().optional(),
    limit: intParam('limit', -1_000_000, 1_000_000).optional(),
    offset: intParam('offset', -1_000_000_000, 1_000_000_000).optional(),
    cursor: textParam('cursor', 1024).optional(),
    q: textParam('q', 512).optional(),
    status: z.enum(['running', 'completed', 'failed'], { error: 'status must be running, completed or failed' }).optional(),
    session_id: z.uuid({ error: 'session_id must be a UUID' }).optional(),
    user_id: textParam('user_id', 512).optional(),
    start_time_from: timeParam('start_time_from').optional(),
    start_time_to: timeParam('start_time_to').optional(),
    has_errors: boolParam('has_errors').optional(),
    min_duration_ms: intParam('min_duration_ms', 0, Number.MAX_SAFE_INTEGER).optional(),
    sort_by: z.enum(['started_at'], { error: 'sort_by must be started_at' }).optional(),
    sort_dir: z.enum(['asc', 'desc'], { error: 'sort_dir must be asc or desc' }).optional(),
    tag: textParam('tag', 1024).optional().describe('Comma-separated tags; a trace must carry all of them'),
    environment: textParam('environment', 256).optional(),
    metadata: metadataParam.optional(),
    engine_only: boolParam('engine_only').optional().describe('Only traces that are projections of durable runs'),
    engine_run_id: z.uuid({ error: 'engine_run_id must be a UUID' }).optional(),
    engine_instance_key: textParam('engine_instance_key', 512).optional(),
    engine_definition_name: textParam('engine_definition_name', 512).optional(),
    engine_definition_version: textParam('engine_definition_version', 256).optional(),
    engine_run_status: z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(ENGINE_RUN_STATUSES, { error: `engine_run_status must be one of ${ENGINE_RUN_STATUSES.join(', ')}` }))
      .optional(),
    engine_parent_run_id: z.uuid({ error: 'engine_parent_run_id must be a UUID' }).optional(),
    engine_root_run_id: z.uuid({ error: 'engine_root_run_id must be a UUID' }).optional(),
    engine_projection_state: z.enum(ENGINE_PROJECTION_STATES, { error: `engine_projection_state must be one of ${ENGINE_PROJECTION_STATES.join(', ')}` }).optional(),
  })
export type TraceListQuery = z.infer<typeof TraceListQuery>

export const SpanListQuery = z.object({
  project_id: z.string().optional(),
  include_payloads: boolParam('include_payloads').optional().describe('false leaves out input, output and metadata (fast tree loading)'),
})

export const TimelineQuery = z
  .object({
    project_id: z.string().optional(),
    after: textParam('after', 1024).optional(),
    limit: intParam('limit', 1, 500).optional(),
    event_type: textParam('event_type', 512)
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .refine((list) => list.every((t) => (TIMELINE_EVENT_TYPES as readonly string[]).includes(t)), {
        message: `event_type must be a comma-separated list of ${TIMELINE_EVENT_TYPES.join(', ')}`,
      })
      .optional()
      .describe('Only these entry types (comma-separated), e.g. decision,effect,wait'),
  })
