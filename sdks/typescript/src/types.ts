// Wire shapes of POST /v1/ingest (the server's zod contract in src/contract/ingest.ts is the
// authority; these mirror it without depending on it).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type TraceStatus = 'running' | 'completed' | 'failed'
export type SpanType = 'default' | 'llm' | 'tool' | 'agent' | 'chain' | 'retrieval' | 'embedding' | 'generation' | 'evaluator' | 'guardrail'
export type SpanLevel = 'debug' | 'default' | 'warning' | 'error'
export type EventLevel = 'debug' | 'info' | 'warning' | 'error'
export const EVENT_KINDS = ['log', 'error', 'exception', 'message', 'metric', 'custom', 'state_change', 'decision', 'effect', 'wait', 'snapshot_marker'] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export interface SessionRecord {
  session_id: string
  name?: string
  user_id?: string
  metadata?: Record<string, unknown>
}

export interface TraceRecord {
  trace_id: string
  session_id?: string
  name?: string
  user_id?: string
  tags?: string[]
  environment?: string
  release?: string
  metadata?: Record<string, unknown>
  input?: unknown
  output?: unknown
  status?: TraceStatus
  start_time?: string
  end_time?: string
}

export interface SpanRecord {
  trace_id: string
  span_id: string
  parent_span_id?: string | null
  name: string
  type?: SpanType
  status?: TraceStatus
  status_message?: string | null
  level?: SpanLevel
  start_time: string
  end_time?: string | null
  input?: unknown
  output?: unknown
  model?: string | null
  provider?: string | null
  prompt_tokens?: number | null
  completion_tokens?: number | null
  total_tokens?: number | null
  cache_read_tokens?: number | null
  cache_write_tokens?: number | null
  reasoning_tokens?: number | null
  total_cost?: number | string | null
  metadata?: Record<string, unknown>
  sequence?: number | null
  depth?: number | null
}

export interface EventRecord {
  trace_id: string
  span_id: string
  event_type?: EventKind
  level?: EventLevel
  event_ts?: string | null
  sequence?: number | null
  message?: string | null
  payload?: Record<string, unknown> | null
  idempotency_key?: string | null
}

export interface IngestBatch {
  batch_key: string
  sessions?: SessionRecord[]
  traces?: TraceRecord[]
  spans?: SpanRecord[]
  events?: EventRecord[]
}

export interface IngestResponse {
  status: 'ok' | 'accepted' | 'duplicate' | 'failed'
  batch_key: string
  batch_id?: string
  trace_count?: number
  span_count?: number
  event_count?: number
  accepted_count?: number
  rejected_count?: number
  errors?: string[]
}

export interface BatchStatus {
  batch_id: string
  batch_key: string
  status: 'accepted' | 'processing' | 'completed' | 'failed'
  attempt_count: number
  server_received_at: string
  processing_started_at?: string | null
  processing_completed_at?: string | null
  trace_count: number
  span_count: number
  event_count: number
  accepted_count: number
  rejected_count: number
  last_error_code?: string | null
  last_error_message?: string | null
}
