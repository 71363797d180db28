import type pg from 'pg'
import { createPool } from '../db/connection.js'
import { assertNoPendingMigrations } from '../db/migrate.js'
import { createLogger, type Logger } from '../logger.js'
import type { StartRequest, StartResponse } from './control.js'
import { Registry, type ActivityDefinition, type WorkflowDefinition } from './definitions.js'
import { startEngineWorker } from './runtime.js'

// An engine worker inside the application's own process (what `continua worker --workflows`
// runs as a process of its own). Its `start` runs a new run's first activation right here.

export interface WorkerOptions {
  /** A database `continua migrate` has prepared. Give this or `pool`. */
  databaseUrl?: string
  /** An existing pool on such a database; the worker does not close it. */
  pool?: pg.Pool
  /** The workflows and activities this process runs. */
  definitions: Iterable<WorkflowDefinition<any, any> | ActivityDefinition<any, any>> | Registry
  /** Activities run at once (default 10). */
  concurrency?: number
  /** Default: warnings and errors as JSON lines on stderr. */
  logger?: Logger
}

export interface Worker {
  readonly id: string
  /**
   * Starts a run. For a workflow this worker runs, the first activation happens in this process
   * and commits with the run; other workflows are queued for whichever worker runs them.
   */
  start(request: StartRequest): Promise<StartResponse>
  /** Stops taking work, lets in-flight work finish, and closes the pool it opened. */
  stop(): Promise<void>
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  if (!options.pool && !options.databaseUrl) throw new Error('startWorker needs databaseUrl or pool')
  const logger = options.logger ?? createLogger({ level: 'warn', format: 'json' })
  const ownPool = options.pool ? undefined : createPool(options.databaseUrl!, (options.concurrency ?? 10) + 10, 'embedded-worker', logger)
  const pool = options.pool ?? ownPool!
  try {
    await assertNoPendingMigrations(pool)
    const registry = options.definitions instanceof Registry ? options.definitions : new Registry(options.definitions)
    const engine = await startEngineWorker({ pool, registry, logger, concurrency: options.concurrency })
    return {
      id: engine.id,
      start: (request) => engine.start(request),
      async stop() {
        await engine.stop()
        await ownPool?.end()
      },
    }
  } catch (err) {
    await ownPool?.end()
    throw err
  }
}
