import { sql, type Kysely, type Transaction } from 'kysely'
import type { DB, IngestBatchRow } from './schema.js'

// Ingest batch rows: the batch_key idempotency claim, async payloads, the batch job, status.

type Executor = Kysely<DB> | Transaction<DB>

export const INGEST_BATCH_TASK = 'continua.ingest.batch'
export const INGEST_BATCH_MAX_ATTEMPTS = 8

export type BatchClaim =
  | { created: true; id: string }
  | { created: false; id: string; bodyHash: string; status: IngestBatchRow['status'] }

/**
 * Claims (project, batch_key). A concurrent claim of the same key waits for the first transaction
 * to finish, then sees its row (or, if that one rolled back, inserts its own).
 */
export async function claimBatchKey(
  trx: Transaction<DB>,
  row: { projectId: string; batchKey: string; bodyHash: string; mode: IngestBatchRow['mode']; status: IngestBatchRow['status'] },
): Promise<BatchClaim> {
  const inserted = await sql<{ id: string }>`
    insert into ingest_batches (project_id, batch_key, body_hash, mode, status, processing_started_at, attempt_count)
    values (${row.projectId}::uuid, ${row.batchKey}, ${row.bodyHash}, ${row.mode}, ${row.status},
            case when ${row.status} = 'queued' then null else now() end, case when ${row.status} = 'queued' then 0 else 1 end)
    on conflict (project_id, batch_key) do nothing
    returning id
  `.execute(trx)
  if (inserted.rows[0]) return { created: true, id: inserted.rows[0].id }
  const existing = await trx
    .selectFrom('ingest_batches')
    .select(['id', 'body_hash', 'status'])
    .where('project_id', '=', row.projectId)
    .where('batch_key', '=', row.batchKey)
    .executeTakeFirstOrThrow()
  return { created: false, id: existing.id, bodyHash: existing.body_hash, status: existing.status }
}

export interface BatchCounts {
  traces: number
  spans: number
  events: number
}

export async function completeBatch(trx: Executor, batchId: string, counts: BatchCounts): Promise<void> {
  await completeBatchCounts(trx, batchId, counts)
  await trx.deleteFrom('ingest_batch_payloads').where('batch_id', '=', batchId).execute()
}

/** Marks a batch completed with its counts. */
export async function completeBatchCounts(trx: Executor, batchId: string, counts: BatchCounts): Promise<void> {
  await sql`
    update ingest_batches set status = 'completed', processing_completed_at = now(),
      trace_count = ${counts.traces}, span_count = ${counts.spans}, event_count = ${counts.events},
      accepted_count = ${counts.traces + counts.spans + counts.events}, rejected_count = 0,
      last_error_code = null, last_error_message = null
    where id = ${batchId}::uuid
  `.execute(trx)
}

export async function storeBatchPayload(trx: Executor, batchId: string, gzipped: Buffer, byteSize: number): Promise<void> {
  await trx.insertInto('ingest_batch_payloads').values({ batch_id: batchId, body: gzipped, byte_size: byteSize }).execute()
}

/** Enqueues the batch's processing job (keyed by batch, so re-enqueueing never duplicates it). */
export async function enqueueBatchJob(trx: Executor, batchId: string): Promise<void> {
  await sql`
    select graphile_worker.add_job(${INGEST_BATCH_TASK}, json_build_object('batch_id', ${batchId}::text),
      max_attempts := ${INGEST_BATCH_MAX_ATTEMPTS}, job_key := ${'ingest_batch:' + batchId}, job_key_mode := 'preserve_run_at')
  `.execute(trx)
}

export async function getBatch(db: Executor, projectId: string, batchId: string): Promise<IngestBatchRow | undefined> {
  return db.selectFrom('ingest_batches').selectAll().where('id', '=', batchId).where('project_id', '=', projectId).executeTakeFirst()
}

/** Locks the batch row for processing; undefined when it no longer exists. */
export async function lockBatch(trx: Transaction<DB>, batchId: string): Promise<IngestBatchRow | undefined> {
  return trx.selectFrom('ingest_batches').selectAll().where('id', '=', batchId).forUpdate().executeTakeFirst()
}

export async function markBatchProcessing(db: Executor, batchId: string): Promise<IngestBatchRow | undefined> {
  return db
    .updateTable('ingest_batches')
    .set({
      status: 'processing',
      attempt_count: sql`attempt_count + 1`,
      processing_started_at: sql`coalesce(processing_started_at, now())`,
    })
    .where('id', '=', batchId)
    .where('status', 'in', ['queued', 'processing'])
    .returningAll()
    .executeTakeFirst()
}

export async function loadBatchPayload(db: Executor, batchId: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('ingest_batch_payloads').select('body').where('batch_id', '=', batchId).executeTakeFirst()
  return row?.body
}

export async function recordBatchError(db: Executor, batchId: string, code: string, message: string, terminal: boolean): Promise<void> {
  await sql`
    update ingest_batches set
      status = ${terminal ? 'failed' : 'queued'},
      last_error_code = ${code}, last_error_message = ${message.slice(0, 2000)}, last_error_at = now(),
      processing_completed_at = case when ${terminal} then now() else processing_completed_at end
    where id = ${batchId}::uuid and status in ('queued', 'processing')
  `.execute(db)
}

/**
 * Batches that should be running but whose job is gone, out of attempts, or held for too long by
 * a worker that was killed mid-batch: they get a fresh job.
 */
export async function findStalledBatches(db: Executor, staleMinutes: number): Promise<Array<{ id: string; attempt_count: number }>> {
  const { rows } = await sql<{ id: string; attempt_count: number }>`
    select b.id, b.attempt_count from ingest_batches b
    where b.status in ('queued', 'processing')
      and coalesce(b.last_error_at, b.processing_started_at, b.server_received_at) < now() - make_interval(mins => ${staleMinutes})
      and not exists (
        select 1 from graphile_worker.jobs j
        where j.key = 'ingest_batch:' || b.id::text
          -- live: waiting to run (or retry), or locked recently; a job out of attempts is dead
          and ((j.locked_at is null and j.attempts < j.max_attempts) or j.locked_at > now() - make_interval(mins => ${staleMinutes}))
      )
    order by b.server_received_at
    limit 500
  `.execute(db)
  return rows
}

export async function deleteFailedBatchPayloadsOlderThan(db: Executor, days: number): Promise<number> {
  const res = await sql`
    delete from ingest_batch_payloads p using ingest_batches b
    where b.id = p.batch_id and b.status = 'failed' and b.processing_completed_at < now() - make_interval(days => ${days})
  `.execute(db)
  return Number(res.numAffectedRows ?? 0)
}
