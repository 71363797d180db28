drop index if exists ingest_batches_received;
drop index if exists ingest_batches_pending;
