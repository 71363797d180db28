-- Two costs every engine step and every ingested span paid for nothing.
--
-- 1. spans.project_id and span_events.project_id had their own foreign keys to projects. Each
--    inserted row ran a key check against projects, although deleting a project already removes
--    these rows through their trace (trace_id references traces on delete cascade, and traces
--    reference projects the same way). The checks were a tenth of an engine step's database time.
alter table spans drop constraint if exists spans_project_id_fkey;
alter table span_events drop constraint if exists span_events_project_id_fkey;

-- 2. The trigger that mirrors a run's status onto its trace rewrote the trace row (every index,
--    the search vector) even when the statement that changed the status had just written the
--    same status there itself, as the engine's projection now does at a run's start and end.
--    It now writes only when the trace shows something else.
create or replace function engine.sync_trace_status() returns trigger language plpgsql as $$
begin
  update public.traces set engine_run_status = new.status, updated_at = now()
  where engine_run_id = new.id and project_id = new.project_id and engine_run_status is distinct from new.status;
  return null;
end
$$;
