-- The durable engine's own tables. graphile-worker jobs only carry wake-ups; durable state
-- lives here, because graphile-worker deletes finished jobs.
create schema if not exists engine;

create table engine.instances (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  instance_key text not null check (char_length(instance_key) between 1 and 512),
  definition_name text not null,
  status text not null default 'active' check (status in ('active', 'completed', 'failed', 'cancelled', 'terminated')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, instance_key)
);

create table engine.runs (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  instance_id uuid not null references engine.instances (id) on delete cascade,
  run_number int not null,
  definition_name text not null,
  definition_version text not null,
  status text not null default 'queued' check (status in
    ('queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new')),
  input jsonb,
  result jsonb,
  error_code text,
  error_message text,
  custom_status jsonb,
  waiting_for jsonb,
  -- Last history sequence number; appends happen only under this row's lock.
  last_seq int not null default 0,
  -- Bumped by every committed activation: an activation whose view is older is discarded.
  activation_version int not null default 0,
  cancel_requested boolean not null default false,
  parent_run_id uuid references engine.runs (id) on delete set null,
  parent_command_id int,
  parent_close_policy text check (parent_close_policy in ('terminate', 'request_cancel', 'abandon')),
  root_run_id uuid not null,
  child_depth int not null default 0 check (child_depth between 0 and 32),
  continued_from_run_id uuid,
  continued_to_run_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (instance_id, run_number)
);
create index runs_project_created on engine.runs (project_id, created_at desc, id desc);
create index runs_project_status on engine.runs (project_id, status);
create index runs_parent on engine.runs (parent_run_id) where parent_run_id is not null;
create index runs_open on engine.runs (updated_at) where status in ('queued', 'running', 'waiting');

create table engine.history (
  id bigint generated always as identity primary key,
  project_id uuid not null,
  run_id uuid not null references engine.runs (id) on delete cascade,
  sequence_no int not null check (sequence_no >= 1),
  event_type text not null,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (run_id, sequence_no)
);

create table engine.activity_tasks (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  run_id uuid not null references engine.runs (id) on delete cascade,
  command_id int not null,
  activity_key text not null,
  activity_type text not null,
  input jsonb,
  output jsonb,
  status text not null default 'queued' check (status in ('queued', 'claimed', 'completed', 'failed', 'cancelled')),
  execution_target text not null default 'local' check (execution_target in ('local', 'remote')),
  -- Fencing: a completion must name the current attempt and owner.
  attempt int not null default 0,
  owner text,
  available_at timestamptz not null default now(),
  claimed_at timestamptz,
  lease_expires_at timestamptz,
  lease_duration_ms int,
  retry_policy jsonb not null default '{}'::jsonb,
  timeouts jsonb not null default '{}'::jsonb,
  last_error_code text,
  last_error_message text,
  scheduled_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (run_id, command_id)
);
create index activity_tasks_remote on engine.activity_tasks (project_id, activity_type, available_at)
  where execution_target = 'remote' and status in ('queued', 'claimed');
create index activity_tasks_open on engine.activity_tasks (run_id) where status in ('queued', 'claimed');

create table engine.timers (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null,
  run_id uuid not null references engine.runs (id) on delete cascade,
  command_id int not null,
  due_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'fired', 'cancelled')),
  fired_at timestamptz,
  unique (run_id, command_id)
);
create index timers_due on engine.timers (due_at) where status = 'pending';

create table engine.signals (
  id bigint generated always as identity primary key,
  project_id uuid not null,
  run_id uuid not null references engine.runs (id) on delete cascade,
  signal_name text not null,
  payload jsonb,
  status text not null default 'pending' check (status in ('pending', 'consumed', 'discarded', 'carried_over')),
  created_at timestamptz not null default now()
);
create index signals_pending on engine.signals (run_id) where status = 'pending';

create table engine.request_dedupe (
  project_id uuid not null references projects (id) on delete cascade,
  scope text not null,
  request_key text not null,
  run_id uuid,
  response jsonb not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (project_id, scope, request_key)
);

create table engine.workers (
  id text primary key,
  hostname text not null,
  pid int not null,
  -- graphile-worker's own worker ids inside this process, for forceUnlockWorkers.
  graphile_worker_ids text[] not null default '{}',
  status text not null default 'alive' check (status in ('alive', 'stopped', 'dead')),
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now()
);

create table engine.worker_definitions (
  worker_id text not null references engine.workers (id) on delete cascade,
  kind text not null check (kind in ('workflow', 'activity')),
  name text not null,
  version text not null default '',
  registered_at timestamptz not null default now(),
  primary key (worker_id, kind, name, version)
);
create index worker_definitions_name on engine.worker_definitions (kind, name, version);
