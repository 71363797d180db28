import type { ContinuaConfig } from '../config.js'
import { openDatabase } from '../db/connection.js'
import { assertNoPendingMigrations } from '../db/migrate.js'
import type { Logger } from '../logger.js'
import { startWorker } from './worker.js'

/** A standalone worker process: refuses to start on an unmigrated database. */
export async function runWorkerProcess(config: ContinuaConfig, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const database = await openDatabase(config, logger, 'worker')
  try {
    await assertNoPendingMigrations(database.pool)
    const runner = await startWorker({
      db: database.db,
      pool: database.pool,
      logger,
      concurrency: config.workerConcurrency,
      revokedKeyRetentionDays: config.revokedKeyRetentionDays,
      ingest: config.ingest,
    })
    return {
      async stop() {
        await runner.stop().catch((err: unknown) => logger.warn('worker did not stop cleanly', { error: err }))
        await database.close()
      },
    }
  } catch (err) {
    await database.close()
    throw err
  }
}
