import { promisify } from 'node:util'
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib'
import type { Kysely } from 'kysely'
import { dropNullFields, IngestRequest, type BatchStatusResponse, type IngestResponse } from '../contract/ingest.js'
import { parseInput } from '../contract/validate.js'
import {
  claimBatchKey,
  completeBatch,
  enqueueBatchJob,
  getBatch,
  loadBatchPayload,
  lockBatch,
  markBatchProcessing,
  recordBatchError,
  storeBatchPayload,
} from '../db/ingest-batches.js'
import type { DB, IngestBatchRow } from '../db/schema.js'
import { ContinuaError, isContinuaError } from '../errors.js'
import type { Logger } from '../logger.js'
import { repeatedBatch } from './index.js'
import { compressOriginals, prepareBatch } from './prepare.js'
import { writePrepared } from './write.js'

const gzip = promisify(gzipCb)
const gunzip = promisify(gunzipCb)

// Durable async ingest: the raw body is stored (gzip) and the processing job enqueued in the
// transaction that claims the batch_key, so a 202 is only sent once both are committed.

export async function acceptAsync(
  db: Kysely<DB>,
  projectId: string,
  batchKey: string,
  rawBody: Buffer,
  bodyHash: string,
): Promise<IngestResponse> {
  // Compressed off the event loop, before the transaction starts.
  const gzipped = await gzip(rawBody)
  return db.transaction().execute(async (trx) => {
    const claim = await claimBatchKey(trx, { projectId, batchKey, bodyHash, mode: 'async', status: 'queued' })
    if (!claim.created) return repeatedBatch(claim, batchKey, bodyHash)
    await storeBatchPayload(trx, claim.id, gzipped, rawBody.length)
    await enqueueBatchJob(trx, claim.id)
    return { status: 'accepted', batch_key: batchKey, batch_id: claim.id }
  })
}

export interface ProcessBatchOptions {
  attempt: number
  maxAttempts: number
  maxPayloadBytes: number
  logger: Logger
}

export type ProcessOutcome = 'completed' | 'skipped' | 'failed'

/**
 * Processes one stored batch. Safe to run again at any point: a batch already completed or failed
 * is skipped, one left `processing` by a killed worker is processed again (its writes rolled back
 * with the dead transaction). Retryable errors are rethrown so graphile-worker retries with
 * backoff; the last attempt, or an error retrying cannot fix, fails the batch for good.
 */
export async function processBatch(db: Kysely<DB>, batchId: string, options: ProcessBatchOptions): Promise<ProcessOutcome> {
  const row = await markBatchProcessing(db, batchId)
  if (!row) return 'skipped'
  const log = options.logger.child({ batch_id: batchId, project_id: row.project_id, attempt: options.attempt })

  let request: IngestRequest
  try {
    const stored = await loadBatchPayload(db, batchId)
    if (!stored) throw new BatchFailure('payload_missing', 'the stored batch payload is missing')
    request = await decodePayload(stored)
  } catch (err) {
    const failure = err instanceof BatchFailure ? err : new BatchFailure('payload_decode_error', describe(err))
    await recordBatchError(db, batchId, failure.code, failure.message, true)
    log.warn('ingest batch failed', { code: failure.code, error: failure.message })
    return 'failed'
  }

  try {
    const prepared = prepareBatch(request, options.maxPayloadBytes)
    await compressOriginals(prepared)
    const done = await db.transaction().execute(async (trx) => {
      const locked = await lockBatch(trx, batchId)
      if (!locked || (locked.status !== 'processing' && locked.status !== 'queued')) return false
      const written = await writePrepared(trx, locked.project_id, prepared)
      await completeBatch(trx, batchId, { traces: written.traces, spans: written.spans, events: written.events })
      return true
    })
    if (done) log.debug('ingest batch completed')
    return done ? 'completed' : 'skipped'
  } catch (err) {
    const permanent = isContinuaError(err) && err.httpStatus < 500
    const terminal = permanent || options.attempt >= options.maxAttempts
    const code = permanent ? (err as ContinuaError).code : terminal ? 'retries_exhausted' : 'internal_retryable'
    await recordBatchError(db, batchId, code, describe(err), terminal)
    if (terminal) {
      log.error('ingest batch failed for good', { code, error: describe(err) })
      return 'failed'
    }
    log.warn('ingest batch attempt failed; will retry', { error: describe(err) })
    throw err
  }
}

class BatchFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

async function decodePayload(stored: Buffer): Promise<IngestRequest> {
  let parsed: unknown
  try {
    parsed = JSON.parse((await gunzip(stored)).toString('utf8'))
  } catch (err) {
    throw new BatchFailure('payload_decode_error', `stored payload cannot be decoded: ${describe(err)}`)
  }
  try {
    return parseInput(IngestRequest, dropNullFields(parsed))
  } catch (err) {
    throw new BatchFailure('payload_decode_error', describe(err))
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

const PUBLIC_STATUS: Record<IngestBatchRow['status'], BatchStatusResponse['status']> = {
  queued: 'accepted',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
}

export async function batchStatus(db: Kysely<DB>, projectId: string, batchId: string): Promise<BatchStatusResponse> {
  const row = await getBatch(db, projectId, batchId)
  if (!row) throw new ContinuaError('batch_not_found', `Ingest batch ${batchId} not found`)
  return toBatchStatus(row)
}

export function toBatchStatus(row: IngestBatchRow): BatchStatusResponse {
  const out: BatchStatusResponse = {
    batch_id: row.id,
    batch_key: row.batch_key,
    status: PUBLIC_STATUS[row.status],
    attempt_count: row.attempt_count,
    server_received_at: row.server_received_at.toISOString(),
    trace_count: row.trace_count,
    span_count: row.span_count,
    event_count: row.event_count,
    accepted_count: row.accepted_count,
    rejected_count: row.rejected_count,
  }
  // Optional fields are left out rather than sent as null, as the reference does.
  if (row.processing_started_at) out.processing_started_at = row.processing_started_at.toISOString()
  if (row.processing_completed_at) out.processing_completed_at = row.processing_completed_at.toISOString()
  if (row.last_error_code) out.last_error_code = row.last_error_code
  if (row.last_error_message) out.last_error_message = row.last_error_message
  return out
}
