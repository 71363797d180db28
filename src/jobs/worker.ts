import { parseCronItems, run, runMigrations, type Task, type TaskList } from 'graphile-worker'
import type { Kysely } from 'kysely'
import type pg from 'pg'
import { DEFAULT_INGEST_SETTINGS, type ContinuaConfig, type IngestSettings } from '../config.js'
import type { DB } from '../db/schema.js'
import type { Logger } from '../logger.js'
import { graphileLogger } from './graphile-logger.js'
import { startLiveness } from './liveness.js'
import { INGEST_RETENTION_TASK, INGEST_SWEEP_TASK, ingestTasks } from './tasks/ingest.js'
import { PRUNE_TASK, pruneExpiredData } from './tasks/prune.js'

export { graphileLogger }

// The graphile-worker runner. `serve` runs it in-process by default; `continua worker` runs
// only this, so any number of workers on any machines can share one Postgres.

export interface WorkerContext {
  db: Kysely<DB>
  pool: pg.Pool
  logger: Logger
  concurrency: number
  revokedKeyRetentionDays: number
  /** Ingest settings (truncation limit, failed payload retention); defaults when absent. */
  ingest?: IngestSettings
  /** A worker silent this long is declared dead and its jobs are released (default 15 s). */
  workerTimeoutMs?: number
}

/** The worker context a process builds from its config and its own pool. */
export function workerContext(config: ContinuaConfig, database: { db: Kysely<DB>; pool: pg.Pool }, logger: Logger): WorkerContext {
  return {
    db: database.db,
    pool: database.pool,
    logger,
    concurrency: config.workerConcurrency,
    revokedKeyRetentionDays: config.revokedKeyRetentionDays,
    ingest: config.ingest,
    workerTimeoutMs: config.engine.workerTimeoutMs,
  }
}


/** Installs or upgrades graphile-worker's own schema. */
export async function installWorkerSchema(pool: pg.Pool, logger: Logger): Promise<void> {
  await runMigrations({ pgPool: pool, logger: graphileLogger(logger) })
}

export function buildTaskList(ctx: WorkerContext): TaskList {
  const prune: Task = async () => {
    await pruneExpiredData(ctx.db, { revokedKeyRetentionDays: ctx.revokedKeyRetentionDays }, ctx.logger)
  }
  return { [PRUNE_TASK]: prune, ...ingestTasks({ db: ctx.db, logger: ctx.logger, ingest: ctx.ingest ?? DEFAULT_INGEST_SETTINGS }) }
}

export interface BackgroundWorker {
  /** The id this runner has in the worker registry. */
  readonly id: string
  stop(): Promise<void>
}

/**
 * Runs the background task list. The runner registers in the worker registry with a heartbeat,
 * so if its process dies its jobs are released by whichever process notices first.
 */
export async function startWorker(ctx: WorkerContext): Promise<BackgroundWorker> {
  const liveness = await startLiveness(ctx.pool, ctx.logger, ctx.workerTimeoutMs ?? 15_000)
  try {
    const runner = await run({
      pgPool: ctx.pool,
      events: liveness.events,
      concurrency: ctx.concurrency,
      noHandleSignals: true,
      pollInterval: 2000,
      logger: graphileLogger(ctx.logger),
      taskList: buildTaskList(ctx),
      // Hourly, and once at start-up if a run was missed in the last hour.
      parsedCronItems: parseCronItems([
        { task: PRUNE_TASK, match: '17 * * * *', options: { backfillPeriod: 60 * 60 * 1000 }, identifier: PRUNE_TASK },
        { task: INGEST_SWEEP_TASK, match: '* * * * *', options: { backfillPeriod: 0 }, identifier: INGEST_SWEEP_TASK },
        { task: INGEST_RETENTION_TASK, match: '23 * * * *', options: { backfillPeriod: 60 * 60 * 1000 }, identifier: INGEST_RETENTION_TASK },
      ]),
    })
    return {
      id: liveness.id,
      async stop() {
        await runner.stop()
        await liveness.stop()
      },
    }
  } catch (err) {
    await liveness.stop()
    throw err
  }
}
