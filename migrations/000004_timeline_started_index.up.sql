-- The timeline pages each trace in change order; span_started markers sit at a span's first
-- write. This index lets a page read the next markers in order instead of sorting every span of
-- a long trace (the terminal markers and stored events already have (trace_id, change_seq)).
create index spans_trace_first_change on spans (trace_id, first_change_seq);
