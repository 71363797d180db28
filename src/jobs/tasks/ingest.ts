import type { Task } from 'graphile-worker'
import type { Kysely } from 'kysely'
import type { IngestSettings } from '../../config.js'
import {
  deleteFailedBatchPayloadsOlderThan,
  enqueueBatchJob,
  findStalledBatches,
  INGEST_BATCH_MAX_ATTEMPTS,
  INGEST_BATCH_TASK,
  recordBatchError,
} from '../../db/ingest-batches.js'
import { deleteExpiredTraces } from '../../db/ingest-retention.js'
import { ROLLUP_TASK } from '../../db/ingest-write.js'
import type { DB } from '../../db/schema.js'
import { processBatch } from '../../ingest/batches.js'
import { rollupTrace } from '../../ingest/rollup.js'
import type { Logger } from '../../logger.js'

// Background work of the ingest pipeline: async batches, coalesced trace rollups, a sweep that
// re-enqueues batches whose worker died, and retention.

export { INGEST_BATCH_TASK, ROLLUP_TASK }
export const INGEST_SWEEP_TASK = 'continua.ingest.sweep'
export const INGEST_RETENTION_TASK = 'continua.ingest.retention'
/** A batch untouched this long while queued/processing, with no live job, is re-enqueued. */
export const STALLED_BATCH_MINUTES = 5
/** Processing attempts over all jobs of one batch before the sweep fails it for good. */
export const MAX_BATCH_PROCESSING_ATTEMPTS = 3 * INGEST_BATCH_MAX_ATTEMPTS

export interface IngestTaskContext {
  db: Kysely<DB>
  logger: Logger
  ingest: IngestSettings
}

export function ingestTasks(ctx: IngestTaskContext): Record<string, Task> {
  const log = ctx.logger.child({ component: 'ingest' })
  return {
    [INGEST_BATCH_TASK]: async (payload, helpers) => {
      const batchId = (payload as { batch_id?: unknown })?.batch_id
      if (typeof batchId !== 'string') return
      await processBatch(ctx.db, batchId, {
        attempt: helpers.job.attempts,
        maxAttempts: helpers.job.max_attempts,
        maxPayloadBytes: ctx.ingest.maxPayloadBytes,
        logger: log,
      })
    },
    [ROLLUP_TASK]: async (payload) => {
      const traceId = (payload as { trace_id?: unknown })?.trace_id
      if (typeof traceId !== 'string') return
      await rollupTrace(ctx.db, traceId)
    },
    [INGEST_SWEEP_TASK]: async () => {
      const stalled = await findStalledBatches(ctx.db, STALLED_BATCH_MINUTES)
      for (const batch of stalled) {
        // A batch that keeps killing its workers is given up on rather than retried forever.
        if (batch.attempt_count >= MAX_BATCH_PROCESSING_ATTEMPTS) {
          await recordBatchError(ctx.db, batch.id, 'retries_exhausted', `gave up after ${batch.attempt_count} processing attempts`, true)
        } else {
          await enqueueBatchJob(ctx.db, batch.id)
        }
      }
      if (stalled.length > 0) log.warn('re-enqueued stalled ingest batches', { count: stalled.length })
    },
    [INGEST_RETENTION_TASK]: async () => {
      const payloads = await deleteFailedBatchPayloadsOlderThan(ctx.db, ctx.ingest.failedPayloadRetentionDays)
      const traces = await deleteExpiredTraces(ctx.db)
      if (payloads + traces > 0) log.info('ingest retention', { failed_payloads_deleted: payloads, traces_deleted: traces })
    },
  }
}
