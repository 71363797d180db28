drop trigger if exists runs_sync_trace_status on engine.runs;
drop function if exists engine.sync_trace_status();
alter table traces
  drop column if exists engine_run_id,
  drop column if exists engine_instance_key,
  drop column if exists engine_definition_name,
  drop column if exists engine_definition_version,
  drop column if exists engine_run_status,
  drop column if exists engine_parent_run_id,
  drop column if exists engine_root_run_id;
