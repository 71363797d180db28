-- Change numbers are per trace since migration 13, and every reader pages one trace by them
-- (through the trace_id indexes). These project-wide indexes served nothing but cost three index
-- entries on every span and event write, and led the planner to scan a whole project's traces
-- when it looked up one.
drop index if exists traces_project_change;
drop index if exists spans_project_change;
drop index if exists span_events_project_change;
