drop index if exists spans_trace_first_change;
