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
    // The background runner has its own row in the worker registry, so if this process is
    // killed its jobs (ingest batches, rollups) are released like the engine's.
    const runner = await startWorker(workerContext(config, database, logger))
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
