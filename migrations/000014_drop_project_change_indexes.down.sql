create index if not exists traces_project_change on traces (project_id, change_seq);
create index if not exists spans_project_change on spans (project_id, change_seq);
create index if not exists span_events_project_change on span_events (project_id, change_seq);
