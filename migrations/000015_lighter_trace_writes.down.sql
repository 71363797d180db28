create or replace function engine.sync_trace_status() returns trigger language plpgsql as $$
begin
  update public.traces set engine_run_status = new.status, updated_at = now()
  where engine_run_id = new.id and project_id = new.project_id;
  return null;
end
$$;
-- not valid: rows written while the keys were absent are not re-checked on the way down.
alter table span_events add constraint span_events_project_id_fkey foreign key (project_id) references projects (id) on delete cascade not valid;
alter table spans add constraint spans_project_id_fkey foreign key (project_id) references projects (id) on delete cascade not valid;
