-- Change numbers per trace instead of per project. Every reader pages a single trace by
-- change_seq (live stream, timeline, incremental reads), so numbers only need to become visible
-- in commit order within a trace. One counter row per project made every write of a project wait
-- for the previous writer's commit; now only writers of the same trace do.
-- A new counter starts from the old project counter, so it stays above every number handed out
-- before this migration.
create table trace_change_counters (
  project_id uuid not null references projects (id) on delete cascade,
  -- the external trace id, as clients send it (the trace row may not exist yet)
  trace_id text not null,
  last_seq bigint not null,
  primary key (project_id, trace_id)
);
