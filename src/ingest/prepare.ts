import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { gzip as gzipCb } from 'node:zlib'
import type { IngestEvent, IngestRequest, IngestSpan, IngestTrace } from '../contract/ingest.js'
import { normalizeCost, priceTokens, PRICE_TABLE_VERSION } from './pricing.js'
import { clientSemanticId, isSemanticKind, RESERVED_ID_KEY, semanticBasis, type SemanticKind } from './semantic-ids.js'
import { assertStorableStrings } from './guards.js'
import { mergeSpan, mergeTrace } from './merge.js'
import { TRUNCATION_REASON, truncateJson } from './truncate.js'

// Turns a validated request into the row sets the write path stores: one record per session,
// trace (placeholders included), span and event, with items repeated inside the batch merged by
// the same patch rules the database applies, payloads truncated, costs priced, and every record
// sorted by its key so concurrent batches lock rows in the same order.

type Json = Record<string, unknown>

export interface SessionRec {
  external_id: string
  name: string | null
  user_id: string | null
  metadata: Json
}

export interface TraceRec {
  trace_id: string
  placeholder: boolean
  session_ext: string | null
  name: string | null
  user_id: string | null
  tags: string[] | null
  environment: string | null
  release: string | null
  metadata: Json
  input: unknown
  output: unknown
  input_truncated: boolean
  input_original_size_bytes: number | null
  output_truncated: boolean
  output_original_size_bytes: number | null
  status: string | null
  start_time: string | null
  end_time: string | null
  off: number
}

export interface SpanRec {
  trace_id: string
  span_id: string
  parent_span_id: string | null
  name: string
  type: string
  status: string
  status_message: string | null
  level: string
  start_time: string
  end_time: string | null
  input: unknown
  output: unknown
  metadata: Json
  input_truncated: boolean
  input_original_size_bytes: number | null
  input_truncation_reason: string | null
  output_truncated: boolean
  output_original_size_bytes: number | null
  output_truncation_reason: string | null
  metadata_truncated: boolean
  metadata_original_size_bytes: number | null
  model: string | null
  provider: string | null
  prompt_tokens: number | null
  completion_tokens: number | null
  total_tokens: number | null
  cache_read_tokens: number | null
  cache_write_tokens: number | null
  reasoning_tokens: number | null
  total_cost: string | null
  cost_source: string | null
  price_table_version: string | null
  otel: Json | null
  sequence: number | null
  depth: number | null
  off: number
}

export interface EventRec {
  id: string
  trace_id: string
  span_id: string
  event_type: string
  level: string
  event_ts: string | null
  sequence: number | null
  message: string | null
  payload: Json
  truncated: boolean
  original_size_bytes: number | null
  truncation_reason: string | null
  idempotency_key: string | null
  off: number
}

/** An effect/wait event whose id is derived once its span's name path is known. */
export interface PendingSemanticId {
  event: EventRec
  kind: SemanticKind
  basis: string
  discriminator: string
  /** The full original payload JSON when the payload was truncated (gets the id too). */
  original?: OriginalRec
}

export interface OriginalRec {
  owner_kind: 'trace' | 'span' | 'event'
  trace_ext: string
  /** span external id for spans; event uuid for events */
  owner_ref: string | null
  field: 'input' | 'output' | 'metadata' | 'payload'
  json: string
  /** gzip of `json`, made before the transaction (see compressOriginals); cleared if json changes. */
  gzip?: Buffer
}

export interface PreparedBatch {
  sessions: SessionRec[]
  traces: TraceRec[]
  spans: SpanRec[]
  events: EventRec[]
  originals: OriginalRec[]
  semantic: PendingSemanticId[]
  /** Counts as the response reports them (request items, not merged rows). */
  requested: { traces: number; spans: number; events: number }
  /** How many change_seq numbers the batch needs. */
  seqCount: number
}

export function prepareBatch(request: IngestRequest, maxPayloadBytes: number, options: { stringsChecked?: boolean } = {}): PreparedBatch {
  if (!options.stringsChecked) assertStorableStrings(request)
  const originals: OriginalRec[] = []

  // --- sessions: from sessions[] first, then from traces; first non-empty value wins.
  const sessions = new Map<string, SessionRec>()
  const touchSession = (id: string, name?: string | null, userId?: string | null, metadata?: Json) => {
    let s = sessions.get(id)
    if (!s) sessions.set(id, (s = { external_id: id, name: null, user_id: null, metadata: {} }))
    if (!s.name && name) s.name = name
    if (!s.user_id && userId) s.user_id = userId
    if (metadata) s.metadata = { ...metadata, ...s.metadata }
  }
  for (const s of request.sessions ?? []) touchSession(s.session_id, s.name, s.user_id, s.metadata)
  for (const t of request.traces ?? []) if (t.session_id) touchSession(t.session_id, undefined, t.user_id)

  // --- traces: merge repeats, then add placeholders for ids only spans/events mention.
  const rawTraces = new Map<string, IngestTrace & { statusSent: boolean }>()
  for (const t of request.traces ?? []) {
    const prev = rawTraces.get(t.trace_id)
    rawTraces.set(t.trace_id, prev ? mergeTrace(prev, t) : { ...t, statusSent: t.status !== undefined })
  }
  const traceIds = new Set<string>(rawTraces.keys())
  for (const s of request.spans ?? []) traceIds.add(s.trace_id)
  for (const e of request.events ?? []) traceIds.add(e.trace_id)
  const traces: TraceRec[] = [...traceIds].sort(compareText).map((id, i) => {
    const t = rawTraces.get(id)
    if (!t) return placeholderTrace(id, i)
    const input = payloadField(t.input, maxPayloadBytes, originals, 'trace', id, null, 'input')
    const output = payloadField(t.output, maxPayloadBytes, originals, 'trace', id, null, 'output')
    return {
      trace_id: id,
      placeholder: false,
      session_ext: t.session_id ?? null,
      name: t.name ?? null,
      user_id: t.user_id ?? null,
      tags: t.tags && t.tags.length > 0 ? t.tags : null,
      environment: t.environment ?? null,
      release: t.release ?? null,
      metadata: t.metadata ?? {},
      input: input.value,
      output: output.value,
      input_truncated: input.truncated,
      input_original_size_bytes: input.size,
      output_truncated: output.truncated,
      output_original_size_bytes: output.size,
      status: t.statusSent ? (t.status ?? null) : null,
      start_time: t.start_time ?? null,
      end_time: t.end_time ?? null,
      off: i,
    }
  })

  // --- spans
  const rawSpans = new Map<string, IngestSpan>()
  for (const s of request.spans ?? []) {
    const key = `${s.trace_id}\u0000${s.span_id}`
    const prev = rawSpans.get(key)
    rawSpans.set(key, prev ? mergeSpan(prev, s) : s)
  }
  let off = traces.length
  const spans: SpanRec[] = [...rawSpans.entries()]
    .sort((a, b) => compareText(a[0], b[0]))
    .map(([, s]) => toSpanRec(s, off++, maxPayloadBytes, originals))

  // --- events: first occurrence of an idempotency key wins inside the batch.
  const seenKeys = new Set<string>()
  const events: EventRec[] = []
  const semantic: PendingSemanticId[] = []
  const ordinals = new Map<string, number>()
  for (const e of request.events ?? []) {
    if (e.idempotency_key) {
      if (seenKeys.has(e.idempotency_key)) continue
      seenKeys.add(e.idempotency_key)
    }
    const rec = toEventRec(e, off++, maxPayloadBytes, originals)
    events.push(rec)
    const kind = rec.event_type
    if (isSemanticKind(kind) && !clientSemanticId(kind, e.payload)) {
      const basis = semanticBasis(kind, e.payload)
      let discriminator = ''
      if (kind === 'effect') {
        if (e.sequence != null) discriminator = `seq:${e.sequence}`
        else {
          const key = `${e.trace_id}\u0000${e.span_id}\u0000${basis}`
          const n = (ordinals.get(key) ?? 0) + 1
          ordinals.set(key, n)
          discriminator = `ord:${n}`
        }
      }
      const original = originals.find((o) => o.owner_kind === 'event' && o.owner_ref === rec.id)
      semantic.push({ event: rec, kind, basis, discriminator, original })
    }
  }

  return {
    sessions: [...sessions.values()].sort((a, b) => compareText(a.external_id, b.external_id)),
    traces,
    spans,
    events,
    originals,
    semantic,
    requested: { traces: request.traces?.length ?? 0, spans: request.spans?.length ?? 0, events: events.length },
    seqCount: traces.length + spans.length + events.length,
  }
}

function placeholderTrace(id: string, off: number): TraceRec {
  return {
    trace_id: id,
    placeholder: true,
    session_ext: null,
    name: null,
    user_id: null,
    tags: null,
    environment: null,
    release: null,
    metadata: {},
    input: null,
    output: null,
    input_truncated: false,
    input_original_size_bytes: null,
    output_truncated: false,
    output_original_size_bytes: null,
    status: null,
    start_time: null,
    end_time: null,
    off,
  }
}

function toSpanRec(s: IngestSpan, off: number, limit: number, originals: OriginalRec[]): SpanRec {
  const input = payloadField(s.input, limit, originals, 'span', s.trace_id, s.span_id, 'input')
  const output = payloadField(s.output, limit, originals, 'span', s.trace_id, s.span_id, 'output')
  const metadata = payloadField(s.metadata ?? {}, limit, originals, 'span', s.trace_id, s.span_id, 'metadata')
  const clientCost = normalizeCost(s.total_cost)
  const derivedCost =
    clientCost === null
      ? priceTokens(s.model, { prompt: s.prompt_tokens, completion: s.completion_tokens, cacheRead: s.cache_read_tokens, cacheWrite: s.cache_write_tokens })
      : undefined
  const total =
    s.total_tokens ?? (s.prompt_tokens != null || s.completion_tokens != null ? (s.prompt_tokens ?? 0) + (s.completion_tokens ?? 0) : null)
  return {
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id ?? null,
    name: s.name,
    type: s.type ?? 'default',
    status: s.status ?? 'running',
    status_message: s.status_message ?? null,
    level: s.level ?? 'default',
    start_time: s.start_time,
    end_time: s.end_time ?? null,
    input: input.value,
    output: output.value,
    metadata: (metadata.value ?? {}) as Json,
    input_truncated: input.truncated,
    input_original_size_bytes: input.size,
    input_truncation_reason: input.truncated ? TRUNCATION_REASON : null,
    output_truncated: output.truncated,
    output_original_size_bytes: output.size,
    output_truncation_reason: output.truncated ? TRUNCATION_REASON : null,
    metadata_truncated: metadata.truncated,
    metadata_original_size_bytes: metadata.truncated ? metadata.size : null,
    model: s.model ?? null,
    provider: s.provider ?? null,
    prompt_tokens: s.prompt_tokens ?? null,
    completion_tokens: s.completion_tokens ?? null,
    total_tokens: total,
    cache_read_tokens: s.cache_read_tokens ?? null,
    cache_write_tokens: s.cache_write_tokens ?? null,
    reasoning_tokens: s.reasoning_tokens ?? null,
    total_cost: clientCost ?? derivedCost ?? null,
    cost_source: clientCost !== null ? 'client' : derivedCost !== undefined ? 'price_table' : null,
    price_table_version: clientCost === null && derivedCost !== undefined ? PRICE_TABLE_VERSION : null,
    otel: s.otel ?? null,
    sequence: s.sequence ?? null,
    depth: s.depth ?? null,
    off,
  }
}

function toEventRec(e: IngestEvent, off: number, limit: number, originals: OriginalRec[]): EventRec {
  const id = randomUUID()
  const kind = e.event_type ?? 'log'
  const keep = isSemanticKind(kind) ? [RESERVED_ID_KEY[kind]] : []
  const payload = truncateJson<Json>(e.payload ?? {}, limit, keep)
  if (payload.truncated) originals.push({ owner_kind: 'event', trace_ext: e.trace_id, owner_ref: id, field: 'payload', json: payload.originalJson! })
  return {
    id,
    trace_id: e.trace_id,
    span_id: e.span_id,
    event_type: kind,
    level: e.level ?? 'info',
    event_ts: e.event_ts ?? null,
    sequence: e.sequence ?? null,
    message: e.message ?? null,
    payload: payload.value,
    truncated: payload.truncated,
    original_size_bytes: payload.truncated ? payload.originalSizeBytes : null,
    truncation_reason: payload.truncated ? TRUNCATION_REASON : null,
    idempotency_key: e.idempotency_key ?? null,
    off,
  }
}

function payloadField(
  value: unknown,
  limit: number,
  originals: OriginalRec[],
  kind: OriginalRec['owner_kind'],
  traceExt: string,
  ref: string | null,
  field: OriginalRec['field'],
): { value: unknown; truncated: boolean; size: number | null } {
  if (value === undefined || value === null) return { value: null, truncated: false, size: null }
  const t = truncateJson(value, limit)
  if (t.truncated) originals.push({ owner_kind: kind, trace_ext: traceExt, owner_ref: ref, field, json: t.originalJson! })
  return { value: t.value, truncated: t.truncated, size: t.truncated ? t.originalSizeBytes : null }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

const gzip = promisify(gzipCb)

/** Compresses every kept original on the thread pool, so the write transaction does not. */
export async function compressOriginals(batch: PreparedBatch): Promise<void> {
  await Promise.all(
    batch.originals.map(async (o) => {
      o.gzip = await gzip(Buffer.from(o.json, 'utf8'))
    }),
  )
}
