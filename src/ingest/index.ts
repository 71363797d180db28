import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { DEFAULT_INGEST_SETTINGS } from '../config.js'
import { dropNullFields, IngestRequest, type IngestResponse } from '../contract/ingest.js'
import { parseInput } from '../contract/validate.js'
import { claimBatchKey, completeBatchCounts, type BatchClaim } from '../db/ingest-batches.js'
import type { DB, IngestBatchRow } from '../db/schema.js'
import { ContinuaError } from '../errors.js'
import type { Logger } from '../logger.js'
import { assertJsonDepth, assertStorableStrings, MAX_JSON_DEPTH } from './guards.js'
import { compressOriginals, prepareBatch, type PreparedBatch } from './prepare.js'
import { writePrepared } from './write.js'

// The ingest entry point. OTLP, `continua seed` and POST /v1/ingest (sync and server-default
// modes) all come through here: one batch, one transaction, batch_key idempotency included.

export type { IngestRequest, IngestResponse } from '../contract/ingest.js'

export interface IngestOptions {
  mode?: 'sync' | 'otlp'
  /** SHA-256 (hex) of the raw request body; derived from the request when absent. */
  bodyHash?: string
  logger?: Logger
  /** Truncation limit for payloads; defaults to CONTINUA_MAX_PAYLOAD_BYTES's default. */
  maxPayloadBytes?: number
}

/** Validates and ingests one batch inline. */
export async function ingestSync(db: Kysely<DB>, projectId: string, request: IngestRequest, options?: IngestOptions): Promise<IngestResponse> {
  const parsed = parseInput(IngestRequest, dropNullFields(request))
  const text = requestJson(parsed)
  assertJsonDepth(text)
  assertStorableStrings(parsed, text)
  return ingestValidated(db, projectId, parsed, {
    mode: options?.mode ?? 'sync',
    bodyHash: options?.bodyHash ?? hashBody(text),
    maxPayloadBytes: options?.maxPayloadBytes ?? DEFAULT_INGEST_SETTINGS.maxPayloadBytes,
    logger: options?.logger,
    stringsChecked: true,
  })
}

export interface ValidatedIngestOptions {
  mode: IngestBatchRow['mode']
  bodyHash: string
  maxPayloadBytes: number
  logger?: Logger
  /** The caller already refused strings Postgres cannot store (see assertStorableStrings). */
  stringsChecked?: boolean
}

/** Ingests an already validated request inline (the HTTP route validates once itself). */
export async function ingestValidated(db: Kysely<DB>, projectId: string, request: IngestRequest, options: ValidatedIngestOptions): Promise<IngestResponse> {
  const prepared = prepareBatch(request, options.maxPayloadBytes, { stringsChecked: options.stringsChecked })
  await compressOriginals(prepared)
  return retryOnConflict(() => writeSyncBatch(db, projectId, request, prepared, options), options.logger)
}

const RETRYABLE_PG_CODES = new Set(['40P01', '40001']) // deadlock detected, serialization failure

/** Runs a whole batch transaction again when Postgres aborted it for a lock conflict. */
async function retryOnConflict<T>(run: () => Promise<T>, logger: Logger | undefined, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE_PG_CODES.has(code)) throw err
      logger?.warn('ingest transaction aborted by a lock conflict; retrying', { code, attempt })
      await new Promise((r) => setTimeout(r, 20 * attempt))
    }
  }
}

async function writeSyncBatch(
  db: Kysely<DB>,
  projectId: string,
  request: IngestRequest,
  prepared: PreparedBatch,
  options: ValidatedIngestOptions,
): Promise<IngestResponse> {
  return db.transaction().execute(async (trx) => {
    const claim = await claimBatchKey(trx, {
      projectId,
      batchKey: request.batch_key,
      bodyHash: options.bodyHash,
      mode: options.mode,
      status: 'completed',
    })
    if (!claim.created) return repeatedBatch(claim, request.batch_key, options.bodyHash)
    const written = await writePrepared(trx, projectId, prepared)
    const counts = { traces: written.traces, spans: written.spans, events: written.events }
    await completeBatchCounts(trx, claim.id, counts)
    options.logger?.debug('ingested batch', { project_id: projectId, batch_id: claim.id, ...counts })
    return {
      status: 'ok',
      batch_key: request.batch_key,
      batch_id: claim.id,
      trace_count: counts.traces,
      span_count: counts.spans,
      event_count: counts.events,
      accepted_count: counts.traces + counts.spans + counts.events,
      rejected_count: 0,
      errors: [],
    }
  })
}

/** The answer for a batch_key seen before: a duplicate when the body matches, else a conflict. */
export function repeatedBatch(claim: Exclude<BatchClaim, { created: true }>, batchKey: string, bodyHash: string): IngestResponse {
  if (claim.bodyHash !== bodyHash) {
    throw new ContinuaError(
      'batch_key_conflict',
      `batch_key "${batchKey.slice(0, 128)}" was already used with a different body; use a new batch_key for different data`,
      { batch_id: claim.id },
    )
  }
  return { status: 'duplicate', batch_key: batchKey, batch_id: claim.id }
}

/** The request as JSON text; a value too deep to serialise is a validation error, not a crash. */
function requestJson(request: IngestRequest): string {
  try {
    return JSON.stringify(request)
  } catch (err) {
    if (err instanceof RangeError) {
      throw new ContinuaError('validation_error', `request: JSON is nested more than ${MAX_JSON_DEPTH} levels deep`)
    }
    throw err
  }
}

export function hashBody(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex')
}
