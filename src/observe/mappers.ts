import type { Session } from '../contract/sessions.js'
import type { EngineTraceInfo, Span, TimelineEvent, Trace, TraceDetail } from '../contract/traces.js'
import type { SessionListRow } from '../db/sessions-read.js'
import type { SpanEventRow, SpanRow, TraceRow } from '../db/schema.js'
import { normalizeDecimal } from './decimal.js'

// Row → wire shape, in one place. Status and kind buckets follow the reference; the raw span
// type, exact decimal costs and every token bucket are additions.

export type TraceStatusBucket = Trace['status']
export type SpanStatusBucket = Span['status']
export type SpanKindBucket = Span['kind']

export function traceStatusBucket(status: string): TraceStatusBucket {
  if (status === 'completed' || status === 'ok') return 'COMPLETED'
  if (status === 'failed' || status === 'error' || status === 'cancelled') return 'FAILED'
  return 'RUNNING'
}

export function spanStatusBucket(status: string): SpanStatusBucket {
  if (status === 'running') return 'STARTED'
  if (status === 'completed' || status === 'ok') return 'COMPLETED'
  if (status === 'failed' || status === 'error') return 'FAILED'
  return 'SCHEDULED'
}

export function spanKindBucket(type: string): SpanKindBucket {
  switch (type) {
    case 'llm':
      return 'LLM'
    case 'tool':
      return 'TOOL'
    case 'chain':
      return 'CHAIN'
    case 'agent':
      return 'AGENT'
    default:
      return 'CUSTOM'
  }
}

export const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString()
const isoOpt = (d: Date | string | null | undefined): string | undefined => (d == null ? undefined : iso(d))
const opt = <T>(v: T | null | undefined): T | undefined => (v == null ? undefined : v)
const num = (v: number | string | null | undefined): number | undefined => (v == null ? undefined : Number(v))

function jsonObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

export type TraceListRow = TraceRow & { session_external_id: string | null; engine_projection_state?: string | null }

/** The run a projected trace mirrors, in the reference's EngineTraceInfo shape. */
function engineInfo(row: TraceListRow): EngineTraceInfo | undefined {
  if (!row.engine_run_id) return undefined
  return {
    run_id: row.engine_run_id,
    definition_name: row.engine_definition_name ?? '',
    definition_version: row.engine_definition_version ?? '',
    projection_state: (row.engine_projection_state ?? 'up_to_date') as EngineTraceInfo['projection_state'],
    instance_key: opt(row.engine_instance_key),
    status: (row.engine_run_status ?? 'queued').toUpperCase(),
    parent_run_id: opt(row.engine_parent_run_id),
    root_run_id: opt(row.engine_root_run_id),
  }
}

/** Where a trace sits in time: its own start, else when the server first heard of it. */
export function traceStartedAt(row: Pick<TraceRow, 'start_time' | 'server_received_at'>): Date {
  return new Date(row.start_time ?? row.server_received_at)
}

export function traceToWire(row: TraceListRow): Trace {
  const cost = normalizeDecimal(row.total_cost)
  return {
    id: row.id,
    session_id: opt(row.session_id),
    session_external_id: opt(row.session_external_id),
    trace_id: row.trace_id,
    name: row.name ?? '',
    status: traceStatusBucket(row.status),
    started_at: iso(traceStartedAt(row)),
    ended_at: isoOpt(row.end_time),
    duration_ms: num(row.duration_ms),
    user_id: opt(row.user_id),
    total_spans: Number(row.total_spans),
    total_tokens_in: Number(row.total_tokens_in),
    total_tokens_out: Number(row.total_tokens_out),
    total_cache_read_tokens: Number(row.total_cache_read_tokens),
    total_cache_write_tokens: Number(row.total_cache_write_tokens),
    total_reasoning_tokens: Number(row.total_reasoning_tokens),
    total_cost_usd: Number(cost),
    total_cost_usd_decimal: cost,
    error_count: Number(row.error_count),
    metadata: jsonObject(row.metadata),
    change_seq: Number(row.change_seq),
    engine: engineInfo(row),
  }
}

export function traceDetailToWire(row: TraceListRow): TraceDetail {
  return {
    ...traceToWire(row),
    tags: row.tags ?? [],
    environment: opt(row.environment),
    release: opt(row.release),
    input: row.input ?? null,
    output: row.output ?? null,
    input_truncated: row.input_truncated,
    input_original_size_bytes: opt(row.input_original_size_bytes),
    output_truncated: row.output_truncated,
    output_original_size_bytes: opt(row.output_original_size_bytes),
    placeholder: row.placeholder,
  }
}

export function spanToWire(row: SpanRow): Span {
  const cost = row.total_cost == null ? undefined : normalizeDecimal(row.total_cost)
  const span: Span = {
    id: row.id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    parent_span_id: opt(row.parent_span_id),
    name: row.name,
    kind: spanKindBucket(row.type),
    type: row.type,
    status: spanStatusBucket(row.status),
    level: row.level,
    started_at: iso(row.start_time),
    ended_at: isoOpt(row.end_time),
    tokens_in: num(row.prompt_tokens),
    tokens_out: num(row.completion_tokens),
    total_tokens: num(row.total_tokens),
    cache_read_tokens: num(row.cache_read_tokens),
    cache_write_tokens: num(row.cache_write_tokens),
    reasoning_tokens: num(row.reasoning_tokens),
    cost_usd: cost === undefined ? undefined : Number(cost),
    cost_usd_decimal: cost,
    cost_source: opt(row.cost_source),
    latency_ms: num(row.duration_ms),
    error_message: opt(row.status_message),
    model: opt(row.model),
    provider: opt(row.provider),
    input_truncated: row.input_truncated,
    input_original_size_bytes: opt(row.input_original_size_bytes),
    input_truncation_reason: opt(row.input_truncation_reason),
    output_truncated: row.output_truncated,
    output_original_size_bytes: opt(row.output_original_size_bytes),
    output_truncation_reason: opt(row.output_truncation_reason),
    input: row.input ?? null,
    output: row.output ?? null,
    metadata: jsonObject(row.metadata),
    sequence: opt(row.sequence),
    depth: opt(row.depth),
    change_seq: Number(row.change_seq),
  }
  return span
}

/** A stored event as a timeline entry (narrative, SSE). */
export function eventRowToTimeline(row: SpanEventRow, spanName: string | undefined): TimelineEvent {
  const event: TimelineEvent = {
    id: row.id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    span_name: spanName,
    event_type: row.event_type,
    timestamp: iso(row.event_ts ?? row.server_ingested_at),
    source: 'explicit',
    level: row.level,
    payload: (row.payload as Record<string, unknown>) ?? {},
    change_seq: Number(row.change_seq),
  }
  if (row.sequence != null) event.sequence = row.sequence
  if (row.message != null) event.message = row.message
  return event
}

export function sessionToWire(row: SessionListRow): Session {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name ?? undefined,
    user_id: row.user_id ?? undefined,
    trace_count: Number(row.trace_count),
    metadata: jsonObject(row.metadata),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_activity_at: iso(row.activity_at ?? row.last_activity_at),
  }
}
