import { EventEmitter } from 'node:events'
import os from 'node:os'
import { randomUUID } from 'node:crypto'
import { makeWorkerUtils, run, type Runner, type Task, type TaskList, type WorkerEvents, type WorkerUtils } from 'graphile-worker'
import type pg from 'pg'
import { activityTask, enqueueActivation, TIMER_TASK, withTx, workflowTask } from '../db/engine-store.js'
import { graphileLogger } from '../jobs/worker.js'
import type { Logger } from '../logger.js'
import type { Registry } from './definitions.js'
import type { StartRequest, StartResponse } from './control.js'
import { Dispatcher } from './dispatch.js'
import { registerWorker, requeueTasksOf, sweepDeadWorkers } from './workers.js'

// One engine worker: a graphile-worker runner whose task list is exactly what this process
// registered, plus a heartbeat, a sweeper for dead workers, a reconciler for stranded runs and
// an in-process timer scheduler so timers fire on time instead of on the next poll.

export interface EngineWorkerOptions {
  pool: pg.Pool
  registry: Registry
  logger: Logger
  concurrency?: number
  /** A worker silent this long is declared dead and its jobs are released. */
  workerTimeoutMs?: number
  heartbeatMs?: number
  pollInterval?: number
  crashAt?: string
  /** Called when this worker commits a run's end; see DispatchContext.onRunClosed. */
  onRunClosed?: (runId: string) => void
  /** Called with the size of each group commit of steps; see DispatchContext.onStepBatch. */
  onStepBatch?: (size: number) => void
}

export interface EngineWorker {
  readonly id: string
  readonly dispatcher: Dispatcher
  /**
   * Starts a run from this process. When this worker registered the workflow, the first
   * activation runs here before the start commits, and its decision commits with the run.
   */
  start(req: StartRequest): Promise<StartResponse>
  stop(): Promise<void>
}


export async function startEngineWorker(options: EngineWorkerOptions): Promise<EngineWorker> {
  const { pool, registry, logger } = options
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const workerTimeoutMs = options.workerTimeoutMs ?? 15_000
  const heartbeatMs = options.heartbeatMs ?? Math.max(200, Math.min(2_000, Math.floor(workerTimeoutMs / 5)))
  const scheduled = new Map<string, NodeJS.Timeout>()

  const dispatcher = new Dispatcher({
    pool,
    registry,
    logger,
    workerId: id,
    crashAt: options.crashAt,
    eagerLimit: options.concurrency ?? 10,
    onTimers: (timers) => timers.forEach((t) => schedule(t.id, t.dueAt)),
    onRunClosed: options.onRunClosed,
    onStepBatch: options.onStepBatch,
  })

  await registerWorker(pool, id, registry)
  const utils: WorkerUtils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(logger) })
  const events: WorkerEvents = new EventEmitter() as WorkerEvents
  // graphile-worker locks jobs under the pool's id (and, without a local queue, each worker's id).
  const recordLockId = (lockId: string) =>
    pool.query('update engine.workers set graphile_worker_ids = array_append(graphile_worker_ids, $2) where id = $1', [id, lockId]).catch(() => {})
  events.on('pool:create', ({ workerPool }) => void recordLockId(workerPool.id))
  events.on('worker:create', ({ worker }) => void recordLockId(worker.workerId))
  const runner: Runner = await run({
    pgPool: pool,
    concurrency: options.concurrency ?? 10,
    noHandleSignals: true,
    pollInterval: options.pollInterval ?? 1_000,
    logger: graphileLogger(logger),
    taskList: buildTaskList(dispatcher, registry),
    events,
  })

  function schedule(timerId: string, dueAt: Date, retry = 0): void {
    if (scheduled.has(timerId)) return
    const delay = Math.max(retry ? 2 ** retry : 0, dueAt.getTime() - Date.now())
    if (delay > 5_000) return
    scheduled.set(
      timerId,
      setTimeout(() => {
        void fire(timerId, retry).finally(() => scheduled.delete(timerId))
      }, delay),
    )
  }

  // This process's clock may run ahead of the database's: a timer that is not due yet by the
  // database clock is tried again a little later (2, 4, … ms, eight times at most); its queued
  // job, due by the database clock, remains the durable backup.
  async function fire(timerId: string, retry: number): Promise<void> {
    try {
      if (await dispatcher.fireTimer(timerId)) return
      const { rows } = await pool.query<{ due_at: Date }>(`select due_at from engine.timers where id = $1 and status = 'pending'`, [timerId])
      if (rows[0] && retry < 8) setImmediate(() => schedule(timerId, rows[0]!.due_at, retry + 1))
    } catch (err) {
      logger.warn('timer fire failed', { timer_id: timerId, error: err })
    }
  }

  let ticks = 0
  const loop = setInterval(() => {
    ticks++
    void tick(ticks).catch((err: unknown) => logger.warn('engine worker maintenance failed', { error: err }))
  }, heartbeatMs)

  async function tick(n: number): Promise<void> {
    await pool.query(`update engine.workers set heartbeat_at = now(), status = 'alive' where id = $1`, [id])
    // Abort activities whose task was cancelled or taken away from us.
    const inflight = [...dispatcher.inflightActivities.keys()]
    if (inflight.length) {
      const { rows } = await pool.query<{ id: string }>(
        `select id from engine.activity_tasks where id = any($1::uuid[]) and (status <> 'claimed' or owner <> $2)`,
        [inflight, id],
      )
      for (const r of rows) dispatcher.inflightActivities.get(r.id)?.controller.abort(new Error('activity cancelled or lease lost'))
    }
    const dead = await sweepDeadWorkers(pool, workerTimeoutMs)
    if (dead.workerIds.length) {
      logger.warn('declared workers dead; releasing their jobs', { workers: dead.workerIds })
      if (dead.graphileIds.length) await utils.forceUnlockWorkers(dead.graphileIds)
      await requeueTasksOf(pool, dead.workerIds)
    }
    // Timers due soon fire in-process; the graphile job with run_at is the durable backup.
    const { rows: due } = await pool.query<{ id: string; due_at: Date }>(
      `select id, due_at from engine.timers where status = 'pending' and due_at <= now() + interval '3 seconds' order by due_at limit 500`,
    )
    for (const t of due) schedule(t.id, t.due_at)
    if (n % Math.max(1, Math.round(10_000 / heartbeatMs)) === 0) await reconcile(pool)
  }

  return {
    id,
    dispatcher,
    start: (req) => dispatcher.startLocal(req),
    async stop() {
      dispatcher.stopping = true
      clearInterval(loop)
      for (const t of scheduled.values()) clearTimeout(t)
      await runner.stop().catch((err: unknown) => logger.warn('engine runner did not stop cleanly', { error: err }))
      await pool.query(`update engine.workers set status = 'stopped' where id = $1`, [id]).catch(() => {})
      await Promise.resolve(utils.release()).catch(() => {})
    },
  }
}

function buildTaskList(d: Dispatcher, registry: Registry): TaskList {
  const tasks: TaskList = {}
  for (const def of registry.workflows.values()) {
    const task: Task = async (payload) => d.activate(String((payload as { run_id: string }).run_id))
    tasks[workflowTask(def.name, def.version)] = task
  }
  for (const type of registry.activities.keys()) {
    tasks[activityTask(type)] = async (payload) => d.runActivity(String((payload as { task_id: string }).task_id))
  }
  tasks[TIMER_TASK] = async (payload) => {
    await d.fireTimer(String((payload as { timer_id: string }).timer_id))
  }
  return tasks
}

/**
 * The safety net under crash windows nobody thought of: an open run with no activation job,
 * no open task, no pending timer and no open child gets a fresh activation.
 */
export async function reconcile(pool: pg.Pool): Promise<number> {
  // Tasks held by workers that are gone (dead, or stopped mid-activity) go back to the queue.
  const { rows: gone } = await pool.query<{ owner: string }>(
    `select distinct t.owner from engine.activity_tasks t join engine.workers w on w.id = t.owner
     where t.status = 'claimed' and t.execution_target = 'local' and w.status <> 'alive'`,
  )
  await requeueTasksOf(pool, gone.map((g) => g.owner))
  return withTx(pool, async (c) => {
    const { rows } = await c.query<{ id: string; definition_name: string; definition_version: string }>(
      `select r.id, r.definition_name, r.definition_version from engine.runs r
       where r.status in ('queued', 'running', 'waiting') and r.updated_at < now() - interval '20 seconds'
         and not (r.status = 'waiting' and r.waiting_for->>'kind' = 'signal')
         and not exists (select 1 from graphile_worker._private_jobs j where j.key = 'run:' || r.id::text)
         and not exists (select 1 from engine.activity_tasks t where t.run_id = r.id and t.status in ('queued', 'claimed'))
         and not exists (select 1 from engine.timers t where t.run_id = r.id and t.status = 'pending')
         and not exists (select 1 from engine.runs ch where ch.parent_run_id = r.id and ch.status in ('queued', 'running', 'waiting', 'suspended', 'quarantined'))
       limit 100 for no key update of r skip locked`,
    )
    for (const r of rows) {
      await enqueueActivation(c, r)
      await c.query('update engine.runs set updated_at = now() where id = $1', [r.id])
    }
    return rows.length
  })
}
