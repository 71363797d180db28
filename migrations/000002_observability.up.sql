-- Observability: sessions, traces, spans, events, ingest batches and full payload originals.
-- Every tenant-owned row carries project_id. External ids (what clients send) are unique per
-- project (traces, sessions) or per trace (spans); internal UUIDs are what read routes use.

-- A per-project change counter. Each ingest transaction takes the next numbers at its end, so
-- numbers become visible in commit order: a reader polling "change_seq > cursor" never misses a
-- row that commits later with a smaller number.
create table project_change_counters (
  project_id uuid primary key references projects (id) on delete cascade,
  last_seq bigint not null default 0
);

create table sessions (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  external_id text not null,
  name text,
  user_id text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_activity_at timestamptz not null default now(),
  unique (project_id, external_id)
);
create index sessions_project_created on sessions (project_id, created_at desc, id desc);
create index sessions_project_activity on sessions (project_id, last_activity_at desc, id desc);
create index sessions_project_user on sessions (project_id, user_id);

create table traces (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  session_id uuid references sessions (id) on delete set null,
  trace_id text not null,
  -- true while only spans/events referenced this trace id; the trace row itself has not arrived
  placeholder boolean not null default false,
  name text,
  user_id text,
  tags text[] not null default '{}',
  environment text,
  release text,
  metadata jsonb not null default '{}'::jsonb,
  input jsonb,
  output jsonb,
  input_truncated boolean not null default false,
  input_original_size_bytes integer,
  output_truncated boolean not null default false,
  output_original_size_bytes integer,
  status text not null default 'running' check (status in ('running', 'completed', 'failed')),
  -- whether a client ever sent a status; if not, rollups derive it from the spans
  status_explicit boolean not null default false,
  start_time timestamptz,
  end_time timestamptz,
  server_received_at timestamptz not null default now(),
  duration_ms bigint,
  -- rollups, maintained by the trace_rollup job
  total_spans integer not null default 0,
  total_tokens_in bigint not null default 0,
  total_tokens_out bigint not null default 0,
  total_cache_read_tokens bigint not null default 0,
  total_cache_write_tokens bigint not null default 0,
  total_reasoning_tokens bigint not null default 0,
  total_cost numeric(24, 12) not null default 0,
  error_count integer not null default 0,
  rolled_up_version bigint not null default 0,
  version bigint not null default 1,
  change_seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search_vector tsvector generated always as (
    setweight(to_tsvector('simple', coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(user_id, '')), 'B')
  ) stored,
  unique (project_id, trace_id)
);
create index traces_project_start on traces (project_id, (coalesce(start_time, server_received_at)) desc, id desc);
create index traces_project_session on traces (project_id, session_id);
create index traces_project_status on traces (project_id, status);
create index traces_project_change on traces (project_id, change_seq);
create index traces_search on traces using gin (search_vector);

create table spans (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  trace_id uuid not null references traces (id) on delete cascade,
  span_id text not null,
  -- external id, no foreign key: a child may arrive before its parent
  parent_span_id text,
  name text not null,
  type text not null default 'default',
  status text not null default 'running' check (status in ('running', 'completed', 'failed')),
  status_message text,
  level text not null default 'default',
  start_time timestamptz not null,
  end_time timestamptz,
  duration_ms bigint,
  input jsonb,
  output jsonb,
  metadata jsonb not null default '{}'::jsonb,
  input_truncated boolean not null default false,
  input_original_size_bytes integer,
  input_truncation_reason text,
  output_truncated boolean not null default false,
  output_original_size_bytes integer,
  output_truncation_reason text,
  metadata_truncated boolean not null default false,
  metadata_original_size_bytes integer,
  model text,
  provider text,
  prompt_tokens bigint,
  completion_tokens bigint,
  total_tokens bigint,
  cache_read_tokens bigint,
  cache_write_tokens bigint,
  reasoning_tokens bigint,
  total_cost numeric(24, 12),
  -- 'client' when sent, 'price_table' when derived from tokens, with the table's version
  cost_source text,
  price_table_version text,
  -- raw OpenTelemetry envelope (attributes, resource, scope, links, kind) for OTLP spans
  otel jsonb,
  sequence integer,
  depth integer,
  server_received_at timestamptz not null default now(),
  first_change_seq bigint not null default 0,
  change_seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (trace_id, span_id)
);
create index spans_trace_start on spans (trace_id, start_time, sequence);
create index spans_trace_parent on spans (trace_id, parent_span_id);
create index spans_project_change on spans (project_id, change_seq);
create index spans_trace_change on spans (trace_id, change_seq);
create index spans_project_type on spans (project_id, type);
create index spans_project_name on spans (project_id, lower(name));

create table span_events (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  trace_id uuid not null references traces (id) on delete cascade,
  -- external span id, no foreign key: an event may arrive before its span
  span_id text not null,
  event_type text not null check (event_type in
    ('log', 'error', 'exception', 'message', 'metric', 'custom', 'state_change', 'decision', 'effect', 'wait', 'snapshot_marker')),
  level text not null default 'info' check (level in ('debug', 'info', 'warning', 'error')),
  event_ts timestamptz,
  server_ingested_at timestamptz not null default now(),
  sequence integer,
  message text,
  payload jsonb not null default '{}'::jsonb,
  truncated boolean not null default false,
  original_size_bytes integer,
  truncation_reason text,
  idempotency_key text,
  change_seq bigint not null default 0,
  created_at timestamptz not null default now()
);
create unique index span_events_idempotency on span_events (project_id, idempotency_key) where idempotency_key is not null;
create index span_events_trace_change on span_events (trace_id, change_seq);
create index span_events_trace_span on span_events (trace_id, span_id);
create index span_events_project_change on span_events (project_id, change_seq);

-- The full original of any payload that was truncated for storage (gzip of its JSON text).
create table payload_originals (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  trace_id uuid not null references traces (id) on delete cascade,
  owner_kind text not null check (owner_kind in ('trace', 'span', 'event')),
  owner_id uuid not null,
  field text not null check (field in ('input', 'output', 'metadata', 'payload')),
  content_encoding text not null default 'gzip',
  body bytea not null,
  byte_size integer not null,
  sha256 text not null,
  created_at timestamptz not null default now(),
  unique (owner_kind, owner_id, field)
);
create index payload_originals_trace on payload_originals (trace_id);

create table ingest_batches (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  batch_key text not null,
  -- SHA-256 of the request body: the same key with a different body is a conflict
  body_hash text not null,
  mode text not null check (mode in ('sync', 'async', 'server_default', 'otlp')),
  status text not null check (status in ('queued', 'processing', 'completed', 'failed')),
  server_received_at timestamptz not null default now(),
  processing_started_at timestamptz,
  processing_completed_at timestamptz,
  attempt_count integer not null default 0,
  trace_count integer not null default 0,
  span_count integer not null default 0,
  event_count integer not null default 0,
  accepted_count integer not null default 0,
  rejected_count integer not null default 0,
  last_error_code text,
  last_error_message text,
  last_error_at timestamptz,
  created_at timestamptz not null default now(),
  unique (project_id, batch_key)
);
create index ingest_batches_failed on ingest_batches (processing_completed_at) where status = 'failed';

create table ingest_batch_payloads (
  batch_id uuid primary key references ingest_batches (id) on delete cascade,
  body bytea not null,
  content_encoding text not null default 'gzip',
  byte_size integer not null,
  created_at timestamptz not null default now()
);
