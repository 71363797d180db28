drop table if exists ingest_batch_payloads;
drop table if exists ingest_batches;
drop table if exists payload_originals;
drop table if exists span_events;
drop table if exists spans;
drop table if exists traces;
drop table if exists sessions;
drop table if exists project_change_counters;
