-- Every read of spans goes through one trace (trace_id first: the span tree, timeline, search's
-- per-trace exists, rollups, parent lookups by (trace_id, span_id)). These three indexes served
-- no query, yet every span insert, and every span update that is not heap-only, wrote an entry in
-- each: about 15% of the index entries an engine step writes.
drop index if exists spans_trace_parent;
drop index if exists spans_project_type;
drop index if exists spans_project_name;
