import { EventEmitter } from 'node:events'
import type { WorkerEvents } from 'graphile-worker'
import type { ContinuaConfig } from '../config.js'
import { openDatabase } from '../db/connection.js'
import { assertNoPendingMigrations } from '../db/migrate.js'
import type { Logger } from '../logger.js'
import { startWorker, workerContext } from './worker.js'
import type { EngineWorker } from '../engine/runtime.js'

/** A standalone worker process: refuses to start on an unmigrated database. */
export async function runWorkerProcess(
  config: ContinuaConfig,
  logger: Logger,
  options: { workflows?: string[] } = {},
): Promise<{ stop(): Promise<void>; engine?: EngineWorker }> {
  const database = await openDatabase(config, logger, 'worker')
  try {
    await assertNoPendingMigrations(database.pool)
    // The background runner's lock ids, so that if this process is killed the engine's dead-worker
    // sweep releases its jobs (ingest batches, rollups) too, not only the engine's own.
    const events = new EventEmitter() as WorkerEvents
    const lockIds: string[] = []
    let adopt = (ids: string[]) => void lockIds.push(...ids)
    events.on('pool:create', ({ workerPool }) => adopt([workerPool.id]))
    events.on('worker:create', ({ worker }) => adopt([worker.workerId]))
    const runner = await startWorker(workerContext(config, database, logger), { events })
    // With user definitions, also run the durable engine for exactly what they registered.
    let engine: EngineWorker | undefined
    if (options.workflows?.length) {
      const { loadDefinitions } = await import('../engine/load-module.js')
      const { startEngineWorker } = await import('../engine/runtime.js')
      engine = await startEngineWorker({
        pool: database.pool,
        registry: await loadDefinitions(options.workflows),
        logger,
        concurrency: config.workerConcurrency,
        workerTimeoutMs: config.engine.workerTimeoutMs,
        crashAt: config.engine.crashAt,
      })
      const { recordGraphileLockIds } = await import('../engine/workers.js')
      const engineId = engine.id
      await recordGraphileLockIds(database.pool, engineId, lockIds)
      adopt = (ids) => void recordGraphileLockIds(database.pool, engineId, ids).catch(() => {})
    }
    return {
      engine,
      async stop() {
        await engine?.stop()
        await runner.stop().catch((err: unknown) => logger.warn('worker did not stop cleanly', { error: err }))
        await database.close()
      },
    }
  } catch (err) {
    await database.close()
    throw err
  }
}
