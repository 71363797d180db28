drop table if exists trace_change_counters;
