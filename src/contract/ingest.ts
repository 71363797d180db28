import { z } from 'zod'

// The /v1/ingest wire contract. Field names, enums and defaults are the reference's, so existing
// clients work unchanged; `sessions[]`, the extra token buckets, decimal-string costs and `otel`
// are additions.

const MAX_ID = 512
const MAX_NAME = 1024

const externalId = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(MAX_ID, `${what} must be at most ${MAX_ID} characters`)
    .refine((v) => !v.includes('\u0000'), `${what} must not contain NUL bytes`)

/**
 * True when the date names a real calendar day (the ISO regex alone admits 2026-02-30) and the
 * offset is one Postgres can store (at most ±15:59).
 */
function isStorableTimestamp(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  if (y < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(value)
  return !offset || Number(offset[2]) <= 15
}
const timestamp = z.iso
  .datetime({ offset: true, error: 'expected an RFC 3339 timestamp such as 2026-01-02T03:04:05.678Z' })
  .refine(isStorableTimestamp, 'expected a real calendar date and a UTC offset of at most ±15:59')
const tokenCount = z.number({ error: 'expected a whole number' }).int('expected a whole number').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER)
const int32 = z.number({ error: 'expected a whole number' }).int('expected a whole number').min(-2147483648).max(2147483647)
const jsonObject = z.record(z.string(), z.unknown(), { error: 'expected a JSON object' })
/** Cost in USD: a number, or a decimal string kept exact end to end. */
export const Cost = z.union(
  [
    z.number().min(0, 'must not be negative').max(999_999_999_999, 'must be below 10^12').refine(Number.isFinite, 'must be finite'),
    z.string().regex(/^\d{1,12}(\.\d{1,12})?$/, 'expected a decimal string such as "0.0123"'),
  ],
  { error: 'expected a non-negative number or decimal string' },
)

export const TRACE_STATUSES = ['running', 'completed', 'failed'] as const
export const SPAN_TYPES = ['default', 'llm', 'tool', 'agent', 'chain', 'retrieval', 'embedding', 'generation', 'evaluator', 'guardrail'] as const
export const SPAN_LEVELS = ['debug', 'default', 'warning', 'error'] as const
export const EVENT_KINDS = [
  'log',
  'error',
  'exception',
  'message',
  'metric',
  'custom',
  'state_change',
  'decision',
  'effect',
  'wait',
  'snapshot_marker',
] as const
export const EVENT_LEVELS = ['debug', 'info', 'warning', 'error'] as const

export const IngestSession = z
  .object({
    session_id: externalId('session_id'),
    name: z.string().max(MAX_NAME).optional(),
    user_id: z.string().max(MAX_ID).optional(),
    metadata: jsonObject.optional(),
  })
  .meta({ id: 'IngestSessionInput' })

export const IngestTrace = z
  .object({
    trace_id: externalId('trace_id'),
    session_id: externalId('session_id').optional(),
    name: z.string().max(MAX_NAME).optional(),
    user_id: z.string().max(MAX_ID).optional(),
    tags: z.array(z.string().max(256)).max(100).optional(),
    environment: z.string().max(256).optional(),
    release: z.string().max(256).optional(),
    metadata: jsonObject.optional(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
    status: z.enum(TRACE_STATUSES).optional(),
    start_time: timestamp.optional(),
    end_time: timestamp.optional(),
  })
  .meta({ id: 'IngestTraceInput' })

export const IngestSpan = z
  .object({
    trace_id: externalId('trace_id'),
    span_id: externalId('span_id'),
    parent_span_id: externalId('parent_span_id').optional().nullable(),
    name: z.string({ error: 'name must be a string' }).max(MAX_NAME),
    type: z.enum(SPAN_TYPES).optional(),
    status: z.enum(TRACE_STATUSES).optional(),
    status_message: z.string().max(65536).optional().nullable(),
    level: z.enum(SPAN_LEVELS).optional(),
    start_time: timestamp,
    end_time: timestamp.optional().nullable(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
    model: z.string().max(256).optional().nullable(),
    provider: z.string().max(256).optional().nullable(),
    prompt_tokens: tokenCount.optional().nullable(),
    completion_tokens: tokenCount.optional().nullable(),
    total_tokens: tokenCount.optional().nullable(),
    cache_read_tokens: tokenCount.optional().nullable(),
    cache_write_tokens: tokenCount.optional().nullable(),
    reasoning_tokens: tokenCount.optional().nullable(),
    total_cost: Cost.optional().nullable(),
    metadata: jsonObject.optional(),
    otel: jsonObject.optional(),
    sequence: int32.optional().nullable(),
    depth: int32.optional().nullable(),
  })
  .refine((s) => !(s.total_tokens != null && s.prompt_tokens == null && s.completion_tokens == null), {
    message: 'total_tokens alone is not accepted; send prompt_tokens and/or completion_tokens',
    path: ['total_tokens'],
  })
  .meta({ id: 'IngestSpanInput' })

export const IngestEvent = z
  .object({
    trace_id: externalId('trace_id'),
    span_id: externalId('span_id'),
    event_type: z.enum(EVENT_KINDS, { error: `expected one of ${EVENT_KINDS.join(', ')}` }).optional(),
    level: z.enum(EVENT_LEVELS).optional(),
    event_ts: timestamp.optional().nullable(),
    sequence: int32.optional().nullable(),
    message: z.string().max(65536).optional().nullable(),
    payload: jsonObject.optional().nullable(),
    idempotency_key: z.string().min(1).max(MAX_ID).optional().nullable(),
  })
  .meta({ id: 'IngestEventInput' })

export const IngestRequest = z
  .object({
    batch_key: z.string({ error: 'batch_key is required' }).min(1, 'batch_key must not be empty').max(MAX_ID),
    sessions: z.array(IngestSession).optional(),
    traces: z.array(IngestTrace).optional(),
    spans: z.array(IngestSpan).optional(),
    events: z.array(IngestEvent).optional(),
  })
  .meta({ id: 'IngestRequest' })

export type IngestSession = z.infer<typeof IngestSession>
export type IngestTrace = z.infer<typeof IngestTrace>
export type IngestSpan = z.infer<typeof IngestSpan>
export type IngestEvent = z.infer<typeof IngestEvent>
export type IngestRequest = z.infer<typeof IngestRequest>

export const IngestResponse = z
  .object({
    status: z.enum(['ok', 'accepted', 'duplicate', 'failed']),
    batch_key: z.string(),
    batch_id: z.uuid().optional(),
    trace_count: z.number().int().optional(),
    span_count: z.number().int().optional(),
    event_count: z.number().int().optional(),
    accepted_count: z.number().int().optional(),
    rejected_count: z.number().int().optional(),
    errors: z.array(z.string()).optional(),
  })
  .meta({ id: 'IngestResponse' })
export type IngestResponse = z.infer<typeof IngestResponse>

export const BatchStatusResponse = z
  .object({
    batch_id: z.uuid(),
    batch_key: z.string(),
    status: z.enum(['accepted', 'processing', 'completed', 'failed']),
    attempt_count: z.number().int(),
    server_received_at: z.iso.datetime(),
    processing_started_at: z.iso.datetime().nullable().optional(),
    processing_completed_at: z.iso.datetime().nullable().optional(),
    trace_count: z.number().int(),
    span_count: z.number().int(),
    event_count: z.number().int(),
    accepted_count: z.number().int(),
    rejected_count: z.number().int(),
    last_error_code: z.string().nullable().optional(),
    last_error_message: z.string().nullable().optional(),
  })
  .meta({ id: 'BatchStatusResponse' })
export type BatchStatusResponse = z.infer<typeof BatchStatusResponse>

const ITEM_ARRAYS = ['sessions', 'traces', 'spans', 'events'] as const

/**
 * Clients that serialise unset fields as null (as generated SDK models do) send `"end_time": null`
 * and `"traces": null`. An explicit null means "not sent" under the patch rules, so such keys of
 * the envelope and of each item are dropped before validation; payload values inside items are
 * left alone. Returns a copy; the input is not modified.
 */
export function dropNullFields(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) }
  for (const key of ITEM_ARRAYS) {
    const items = out[key]
    if (items === null) delete out[key]
    else if (Array.isArray(items)) out[key] = items.map(withoutNulls)
  }
  return out
}

function withoutNulls(item: unknown): unknown {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return item
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(item)) if (v !== null) out[k] = v
  return out
}
