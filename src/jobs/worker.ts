import {
  Logger as GraphileLogger,
  parseCronItems,
  run,
  runMigrations,
  type Runner,
  type Task,
  type TaskList,
} from 'graphile-worker'
import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { DB } from '../db/schema.js'
import type { Logger } from '../logger.js'
import { PRUNE_TASK, pruneExpiredData } from './tasks/prune.js'

// The graphile-worker runner. `serve` runs it in-process by default; `continua worker` runs
// only this, so any number of workers on any machines can share one Postgres.

export interface WorkerContext {
  db: Kysely<DB>
  pool: pg.Pool
  logger: Logger
  concurrency: number
  revokedKeyRetentionDays: number
}

export function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { component: 'worker', ...scope, ...(meta ?? {}) }
    if (level === 'error') logger.error(message, fields)
    else if (level === 'warning') logger.warn(message, fields)
    else if (level === 'info') logger.info(message, fields)
    else logger.debug(message, fields)
  })
}

/** Installs or upgrades graphile-worker's own schema. */
export async function installWorkerSchema(pool: pg.Pool, logger: Logger): Promise<void> {
  await runMigrations({ pgPool: pool, logger: graphileLogger(logger) })
}

export function buildTaskList(ctx: WorkerContext): TaskList {
  const prune: Task = async () => {
    await pruneExpiredData(ctx.db, { revokedKeyRetentionDays: ctx.revokedKeyRetentionDays }, ctx.logger)
  }
  return { [PRUNE_TASK]: prune }
}

export async function startWorker(ctx: WorkerContext): Promise<Runner> {
  return run({
    pgPool: ctx.pool,
    concurrency: ctx.concurrency,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: graphileLogger(ctx.logger),
    taskList: buildTaskList(ctx),
    // Hourly, and once at start-up if a run was missed in the last hour.
    parsedCronItems: parseCronItems([
      { task: PRUNE_TASK, match: '17 * * * *', options: { backfillPeriod: 60 * 60 * 1000 }, identifier: PRUNE_TASK },
    ]),
  })
}
