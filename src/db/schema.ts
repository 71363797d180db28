import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { EngineTables } from './engine-schema.js'

// The only declaration of row shapes. Read, insert and update shapes are derived from these.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type Json = ColumnType<unknown, string | undefined, string>

export interface ProjectsTable {
  id: Generated<string>
  name: string
  is_default: Generated<boolean>
  settings: Json
  created_at: Generated<Date>
  updated_at: Timestamp
}

export interface ApiKeysTable {
  id: Generated<string>
  project_id: string
  name: string
  key_hash: string
  display_prefix: string
  created_at: Generated<Date>
  last_used_at: NullableTimestamp
  revoked_at: NullableTimestamp
}

export interface MigrationsTable {
  version: number
  name: string
  applied_at: Generated<Date>
}

// --- observability (migration 000002) ---------------------------------------------------------

type JsonValue = ColumnType<unknown, string | null | undefined, string | null>
type NumericValue = ColumnType<string, string | number | undefined, string | number>
type NullableNumeric = ColumnType<string | null, string | number | null | undefined, string | number | null>
type Int8 = ColumnType<number, number | undefined, number>
type NullableInt8 = ColumnType<number | null, number | null | undefined, number | null>

export interface ProjectChangeCountersTable {
  project_id: string
  last_seq: Int8
}

export interface TraceChangeCountersTable {
  project_id: string
  trace_id: string
  last_seq: Int8
}

export interface SessionsTable {
  id: Generated<string>
  project_id: string
  external_id: string
  name: string | null
  user_id: string | null
  metadata: Json
  created_at: Generated<Date>
  updated_at: Timestamp
  last_activity_at: Timestamp
}

export interface TracesTable {
  id: Generated<string>
  project_id: string
  session_id: string | null
  trace_id: string
  placeholder: Generated<boolean>
  name: string | null
  user_id: string | null
  tags: ColumnType<string[], string[] | undefined, string[]>
  environment: string | null
  release: string | null
  metadata: Json
  input: JsonValue
  output: JsonValue
  input_truncated: Generated<boolean>
  input_original_size_bytes: number | null
  output_truncated: Generated<boolean>
  output_original_size_bytes: number | null
  status: Generated<'running' | 'completed' | 'failed'>
  status_explicit: Generated<boolean>
  start_time: NullableTimestamp
  end_time: NullableTimestamp
  server_received_at: Timestamp
  duration_ms: NullableInt8
  total_spans: Generated<number>
  total_tokens_in: Int8
  total_tokens_out: Int8
  total_cache_read_tokens: Int8
  total_cache_write_tokens: Int8
  total_reasoning_tokens: Int8
  total_cost: NumericValue
  error_count: Generated<number>
  rolled_up_version: Int8
  version: Int8
  change_seq: Int8
  created_at: Generated<Date>
  updated_at: Timestamp
  search_vector: ColumnType<string, never, never>
  // Engine linkage (migration 000011): set on traces projected from engine runs.
  engine_run_id: ColumnType<string | null, string | null | undefined, string | null>
  engine_instance_key: ColumnType<string | null, string | null | undefined, string | null>
  engine_definition_name: ColumnType<string | null, string | null | undefined, string | null>
  engine_definition_version: ColumnType<string | null, string | null | undefined, string | null>
  engine_run_status: ColumnType<string | null, string | null | undefined, string | null>
  engine_parent_run_id: ColumnType<string | null, string | null | undefined, string | null>
  engine_root_run_id: ColumnType<string | null, string | null | undefined, string | null>
}

export interface SpansTable {
  id: Generated<string>
  project_id: string
  trace_id: string
  span_id: string
  parent_span_id: string | null
  name: string
  type: Generated<string>
  status: Generated<'running' | 'completed' | 'failed'>
  status_message: string | null
  level: Generated<string>
  start_time: Timestamp
  end_time: NullableTimestamp
  duration_ms: NullableInt8
  input: JsonValue
  output: JsonValue
  metadata: Json
  input_truncated: Generated<boolean>
  input_original_size_bytes: number | null
  input_truncation_reason: string | null
  output_truncated: Generated<boolean>
  output_original_size_bytes: number | null
  output_truncation_reason: string | null
  metadata_truncated: Generated<boolean>
  metadata_original_size_bytes: number | null
  model: string | null
  provider: string | null
  prompt_tokens: NullableInt8
  completion_tokens: NullableInt8
  total_tokens: NullableInt8
  cache_read_tokens: NullableInt8
  cache_write_tokens: NullableInt8
  reasoning_tokens: NullableInt8
  total_cost: NullableNumeric
  cost_source: string | null
  price_table_version: string | null
  otel: JsonValue
  sequence: number | null
  depth: number | null
  server_received_at: Timestamp
  first_change_seq: Int8
  change_seq: Int8
  created_at: Generated<Date>
  updated_at: Timestamp
}

export type EventKind =
  | 'log' | 'error' | 'exception' | 'message' | 'metric' | 'custom'
  | 'state_change' | 'decision' | 'effect' | 'wait' | 'snapshot_marker'

export interface SpanEventsTable {
  id: Generated<string>
  project_id: string
  trace_id: string
  span_id: string
  event_type: EventKind
  level: Generated<'debug' | 'info' | 'warning' | 'error'>
  event_ts: NullableTimestamp
  server_ingested_at: Timestamp
  sequence: number | null
  message: string | null
  payload: Json
  truncated: Generated<boolean>
  original_size_bytes: number | null
  truncation_reason: string | null
  idempotency_key: string | null
  change_seq: Int8
  created_at: Generated<Date>
}

export interface PayloadOriginalsTable {
  id: Generated<string>
  project_id: string
  trace_id: string
  owner_kind: 'trace' | 'span' | 'event'
  owner_id: string
  field: 'input' | 'output' | 'metadata' | 'payload'
  content_encoding: Generated<string>
  body: Buffer
  byte_size: number
  sha256: string
  created_at: Generated<Date>
}

export type BatchStatus = 'queued' | 'processing' | 'completed' | 'failed'

export interface IngestBatchesTable {
  id: Generated<string>
  project_id: string
  batch_key: string
  body_hash: string
  mode: 'sync' | 'async' | 'server_default' | 'otlp'
  status: BatchStatus
  server_received_at: Timestamp
  processing_started_at: NullableTimestamp
  processing_completed_at: NullableTimestamp
  attempt_count: Generated<number>
  trace_count: Generated<number>
  span_count: Generated<number>
  event_count: Generated<number>
  accepted_count: Generated<number>
  rejected_count: Generated<number>
  last_error_code: string | null
  last_error_message: string | null
  last_error_at: NullableTimestamp
  created_at: Generated<Date>
}

export interface IngestBatchPayloadsTable {
  batch_id: string
  body: Buffer
  content_encoding: Generated<string>
  byte_size: number
  created_at: Generated<Date>
}

export interface DB extends EngineTables {
  projects: ProjectsTable
  api_keys: ApiKeysTable
  continua_migrations: MigrationsTable
  project_change_counters: ProjectChangeCountersTable
  trace_change_counters: TraceChangeCountersTable
  sessions: SessionsTable
  traces: TracesTable
  spans: SpansTable
  span_events: SpanEventsTable
  payload_originals: PayloadOriginalsTable
  ingest_batches: IngestBatchesTable
  ingest_batch_payloads: IngestBatchPayloadsTable
}

export type ProjectRow = Selectable<ProjectsTable>
export type NewProjectRow = Insertable<ProjectsTable>
export type ProjectUpdate = Updateable<ProjectsTable>
export type ApiKeyRow = Selectable<ApiKeysTable>
export type SessionRow = Selectable<SessionsTable>
export type TraceRow = Selectable<TracesTable>
export type SpanRow = Selectable<SpansTable>
export type SpanEventRow = Selectable<SpanEventsTable>
export type IngestBatchRow = Selectable<IngestBatchesTable>
