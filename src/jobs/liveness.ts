import { EventEmitter } from 'node:events'
import os from 'node:os'
import { randomUUID } from 'node:crypto'
import { makeWorkerUtils, type WorkerEvents } from 'graphile-worker'
import type pg from 'pg'
import { Registry } from '../engine/definitions.js'
import { recordGraphileLockIds, registerWorker, requeueTasksOf, sweepDeadWorkers } from '../engine/workers.js'
import type { Logger } from '../logger.js'
import { graphileLogger } from './graphile-logger.js'

// Every background runner (serve's in-process worker, a plain `continua worker`) registers in the
// worker registry with a heartbeat and the lock ids graphile-worker gives it. If its process is
// killed, any live process declares it dead after the timeout and releases its jobs, instead of
// graphile-worker's four-hour lock expiry.

export interface Liveness {
  readonly id: string
  /** Pass to graphile-worker's run() so the runner's lock ids are recorded. */
  readonly events: WorkerEvents
  stop(): Promise<void>
}

export async function startLiveness(pool: pg.Pool, logger: Logger, workerTimeoutMs: number): Promise<Liveness> {
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}:jobs`
  await registerWorker(pool, id, new Registry())
  const events = new EventEmitter() as WorkerEvents
  const record = (lockId: string) => void recordGraphileLockIds(pool, id, [lockId]).catch(() => {})
  events.on('pool:create', ({ workerPool }) => record(workerPool.id))
  events.on('worker:create', ({ worker }) => record(worker.workerId))
  const utils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(logger) })

  const beat = async () => {
    await pool.query(`update engine.workers set heartbeat_at = now(), status = 'alive' where id = $1`, [id])
    const dead = await sweepDeadWorkers(pool, workerTimeoutMs)
    if (dead.workerIds.length === 0) return
    logger.warn('declared workers dead; releasing their jobs', { workers: dead.workerIds })
    if (dead.graphileIds.length) await utils.forceUnlockWorkers(dead.graphileIds)
    await requeueTasksOf(pool, dead.workerIds)
  }
  const every = Math.max(200, Math.min(2_000, Math.floor(workerTimeoutMs / 5)))
  const timer = setInterval(() => void beat().catch((err: unknown) => logger.warn('worker heartbeat failed', { error: err })), every)

  return {
    id,
    events,
    async stop() {
      clearInterval(timer)
      await pool.query(`update engine.workers set status = 'stopped' where id = $1`, [id]).catch(() => {})
      await Promise.resolve(utils.release()).catch(() => {})
    },
  }
}
