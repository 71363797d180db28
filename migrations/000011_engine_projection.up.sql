-- Engine runs are also traces: these columns link a projected trace to its run, so the traces
-- API can filter engine traces and the debugger can jump between a run and its trace.
alter table traces
  add column engine_run_id uuid,
  add column engine_instance_key text,
  add column engine_definition_name text,
  add column engine_definition_version text,
  add column engine_run_status text check (engine_run_status in
    ('queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new')),
  add column engine_parent_run_id uuid,
  add column engine_root_run_id uuid;

create unique index traces_engine_run on traces (engine_run_id) where engine_run_id is not null;
create index traces_engine_instance on traces (project_id, engine_instance_key) where engine_instance_key is not null;
create index traces_engine_definition on traces (project_id, engine_definition_name) where engine_definition_name is not null;
create index traces_engine_status on traces (project_id, engine_run_status) where engine_run_status is not null;
create index traces_engine_parent on traces (project_id, engine_parent_run_id) where engine_parent_run_id is not null;
create index traces_engine_root on traces (project_id, engine_root_run_id) where engine_root_run_id is not null;

-- The projected trace always shows the run's current status, in the same transaction that changes it.
create function engine.sync_trace_status() returns trigger language plpgsql as $$
begin
  update public.traces set engine_run_status = new.status, updated_at = now()
  where engine_run_id = new.id and project_id = new.project_id;
  return null;
end
$$;

create trigger runs_sync_trace_status after update of status on engine.runs
  for each row when (old.status is distinct from new.status) execute function engine.sync_trace_status();
