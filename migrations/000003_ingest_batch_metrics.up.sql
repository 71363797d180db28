-- GET /metrics counts the ingest backlog and the batches of the last few minutes on every scrape;
-- these keep both reads to index ranges instead of scanning every batch ever received.
create index ingest_batches_pending on ingest_batches (status) where status in ('queued', 'processing');
create index ingest_batches_received on ingest_batches (server_received_at);
