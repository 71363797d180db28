create index if not exists spans_trace_parent on spans (trace_id, parent_span_id);
create index if not exists spans_project_type on spans (project_id, type);
create index if not exists spans_project_name on spans (project_id, lower(name));
