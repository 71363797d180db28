import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { appendEvents, lockRun, prepared, runColumns, wakeRun, withTx, type RunRow } from '../db/engine-store.js'
import type { Logger } from '../logger.js'
import { claimLocalTask, completedEvent, completeTask, failTask, type ClaimedTask, type Fence, type RecordResult } from './activities.js'
import { commitDecision, commitLocked, type CommitResult, type EagerClaim, type FoldedCompletion } from './commit.js'
import { startRun, type StartRequest, type StartResponse } from './control.js'
import { startedPayload } from './lifecycle.js'
import type { ActivityContext, Registry } from './definitions.js'
import { errorCodeOf, errorMessageOf } from './errors.js'
import { StepBatcher } from './step-batch.js'
import { WorkflowExecution } from './execution.js'
import { toJsonbShape } from './json.js'
import { isMoving, type HistoryEvent } from './types.js'

// The work a worker does for graphile-worker jobs: activations, local activity attempts and
// timer firings. User code (workflow and activity) only ever runs between transactions.

export interface DispatchContext {
  pool: pg.Pool
  registry: Registry
  logger: Logger
  workerId: string
  /** Called after a commit that scheduled timers, so a near one can fire in-process on time. */
  onTimers?: (timers: Array<{ id: string; dueAt: Date }>) => void
  /** Test hook: where to crash (process.kill SIGKILL) — see docs/engine.md. */
  crashAt?: string
  /** Most activities run eagerly at once; beyond this they wait for their queue job. */
  eagerLimit?: number
  /** Most live executions kept in memory; the oldest are dropped (and replayed if needed). */
  cacheLimit?: number
  /** Called when this worker commits a run's end (in-process callers waiting for a result). */
  onRunClosed?: (runId: string) => void
  /** Called with the number of steps in each batched step statement (see step-batch.ts). */
  onStepBatch?: (size: number) => void
}

interface CacheEntry {
  exec: WorkflowExecution
  version: number
  /** The run's row as the last commit left it (absent until this process commits for it). */
  run?: RunRow
}

export class Dispatcher {
  /** Live executions by run id; an entry is trusted only if the run's activation_version matches. */
  private readonly cache = new Map<string, CacheEntry>()
  private readonly runLocks = new Map<string, Promise<void>>()
  readonly inflightActivities = new Map<string, { controller: AbortController; attempt: number }>()
  private eagerRunning = 0
  /** Set when the worker stops: outcomes still failing to record are left to the sweeper. */
  stopping = false

  /** Writes the usual steps of several runs together (group commit). */
  private readonly steps: StepBatcher

  constructor(private readonly ctx: DispatchContext) {
    this.steps = new StepBatcher(ctx.pool, { onFlush: ctx.onStepBatch })
  }

  get cachedRuns(): number {
    return this.cache.size
  }

  /** Steps waiting for the next group commit (tests watch it). */
  get queuedSteps(): number {
    return this.steps.queued
  }

  /** One activation at a time per run inside this process. */
  async activate(runId: string): Promise<void> {
    await this.serialized(runId, () => this.activateNow(runId))
  }

  /** Runs `fn` after whatever this process is already doing with the run's cached execution. */
  private async serialized<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.runLocks.get(runId) ?? Promise.resolve()
    const current = previous.then(fn)
    const settled = current.then(() => {}, () => {})
    this.runLocks.set(runId, settled)
    try {
      return await current
    } finally {
      if (this.runLocks.get(runId) === settled) this.runLocks.delete(runId)
    }
  }

  private async activateNow(runId: string): Promise<void> {
    const { pool } = this.ctx
    const cached = this.cache.get(runId)
    // One read: the run and whatever history it has beyond what the cached execution applied.
    const { rows } = await pool.query<RunRow & { instance_key: string; events: RawEvent[] }>(prepared(ACTIVATION_READ_SQL, [runId, cached?.exec.lastSeq ?? 0]))
    const run = rows[0]
    if (!run || !isMoving(run.status)) {
      this.cache.delete(runId)
      return
    }
    const def = this.ctx.registry.workflow(run.definition_name, run.definition_version)
    if (!def) return // task identifiers make this unreachable; be safe anyway
    let entry = cached
    let events = run.events.map(toEvent)
    if (entry && entry.version === run.activation_version) {
      if (events.length === 0) return // an activation that finds nothing new does nothing
    } else {
      entry = { exec: new WorkflowExecution(def, { runId, instanceKey: run.instance_key, runNumber: run.run_number }), version: run.activation_version }
      if (cached) events = await loadHistory(pool, runId, 0)
    }
    try {
      await entry.exec.apply(events)
    } catch (err) {
      this.cache.delete(runId)
      await this.quarantine(runId, run.activation_version, errorMessageOf(err))
      return
    }
    if (this.ctx.crashAt === 'activation') process.kill(process.pid, 'SIGKILL')
    await this.commit(runId, entry)
  }

  /** Reserves eager slots for activities this worker can run, for one commit. */
  private eagerClaim(): EagerClaim {
    let reserved = 0
    return {
      owner: this.ctx.workerId,
      reserve: (type: string) => {
        if (!this.ctx.registry.activities.has(type) || this.eagerRunning + reserved >= (this.ctx.eagerLimit ?? 10)) return false
        reserved++
        return true
      },
    }
  }

  /** Commits what the execution decided (with a folded completion, that too) and starts eager work. */
  private async commit(runId: string, entry: CacheEntry, fold?: FoldedCompletion): Promise<CommitResult> {
    let result: CommitResult
    try {
      result = await commitDecision(this.ctx.pool, runId, entry.version, entry.exec.takeDecision(), this.eagerClaim(), fold, this.steps)
    } catch (err) {
      // The execution moved past what the database holds (its decision is gone with the failed
      // commit): it must not be trusted again. The next activation replays.
      this.cache.delete(runId)
      throw err
    }
    if (!result.ok) this.ctx.logger.debug('activation discarded: the run moved on', { run_id: runId })
    this.adopt(runId, entry, result)
    return result
  }

  /**
   * Starts a run of a workflow this worker registered, running its first activation before the
   * start commits: the run, its first decision and its first activities commit in one
   * transaction, and those activities start here at once. Signal-with-start and request-key
   * replays take the plain path.
   */
  async startLocal(req: StartRequest): Promise<StartResponse> {
    const def = this.ctx.registry.workflow(req.definitionName, req.definitionVersion)
    if (!def || req.signal) return startRun(this.ctx.pool, req)
    const runId = randomUUID()
    const startedAt = new Date(Date.now())
    const input = toJsonbShape(req.input ?? null)
    const entry: CacheEntry = { exec: new WorkflowExecution(def, { runId, instanceKey: req.instanceKey, runNumber: 1 }), version: 0 }
    const payload = startedPayload({ definitionName: def.name, definitionVersion: def.version, instanceKey: req.instanceKey, input, runNumber: 1 })
    await entry.exec.apply([{ seq: 1, type: 'workflow.started', payload, createdAt: startedAt }])
    const decision = entry.exec.takeDecision()
    let result: CommitResult | undefined
    const started = await startRun(this.ctx.pool, {
      ...req,
      input,
      runId,
      startedAt,
      created: async (c, run, started) => {
        result = await commitLocked(c, run, decision, [started], this.eagerClaim())
      },
    })
    if (result) this.adopt(runId, entry, result)
    else void this.activate(started.run_id).catch((err: unknown) => this.ctx.logger.warn('activation failed', { run_id: started.run_id, error: err }))
    return started
  }

  /** After a commit: keep the execution live (or drop it) and start the work it claimed. */
  private adopt(runId: string, entry: CacheEntry, result: CommitResult): void {
    if (!result.ok || result.closed) {
      this.cache.delete(runId)
      if (result.ok) this.ctx.onRunClosed?.(runId)
      return
    }
    entry.version++
    entry.run = result.run
    // The events this commit appended are the execution's own commands: nothing to replay.
    entry.exec.lastSeq = result.lastSeq
    this.cache.delete(runId) // re-insert: the Map's order is the eviction order
    this.cache.set(runId, entry)
    const limit = this.ctx.cacheLimit ?? 5000
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value!)
    if (result.timers.length) this.ctx.onTimers?.(result.timers)
    // Eager execution: the commit claimed these tasks for this worker, so they start now without a
    // queue hop. If this worker dies, the sweeper puts them back in the queue.
    for (const task of result.tasks) {
      this.eagerRunning++
      let slotFree = false
      // The slot frees when the user code returns, so recording its outcome can claim the next step.
      const freeSlot = () => {
        if (!slotFree) this.eagerRunning--
        slotFree = true
      }
      void this.runClaimed(task, freeSlot)
        .catch((err: unknown) => this.ctx.logger.warn('eager activity failed', { task_id: task.id, error: err }))
        .finally(freeSlot)
    }
  }

  private async quarantine(runId: string, version: number, detail: string): Promise<void> {
    await this.ctx.pool.query(
      `update engine.runs set status = 'quarantined', error_code = 'engine_invariant', error_message = $3,
         waiting_for = $4::jsonb, activation_version = activation_version + 1 where id = $1 and activation_version = $2`,
      [runId, version, detail, JSON.stringify({ kind: 'engine_invariant', detail })],
    )
  }

  async runActivity(taskId: string): Promise<void> {
    const task = await claimLocalTask(this.ctx.pool, taskId, this.ctx.workerId)
    if (task) await this.runClaimed(task)
  }

  /** Runs one attempt of a task this worker has claimed, then records its outcome (fenced). */
  private async runClaimed(task: ClaimedTask, onUserCodeDone?: () => void): Promise<void> {
    const { pool: p, workerId, registry } = this.ctx
    const def = registry.activities.get(task.activity_type)
    const fence = { taskId: task.id, owner: workerId, attempt: task.attempt }
    if (!def) {
      await failTask(p, fence, 'activity_not_registered', `activity ${task.activity_type} is not registered on this worker`, true)
      return
    }
    const controller = new AbortController()
    this.inflightActivities.set(task.id, { controller, attempt: task.attempt })
    const limit = task.timeouts.start_to_close_ms
    let abortCode: string | null = null
    const abort = (code: string, why: string) => {
      abortCode ??= code
      controller.abort(new Error(why))
    }
    const timer = limit ? setTimeout(() => abort('start_to_close_timeout', 'start-to-close timeout'), limit) : null
    // heartbeatTimeout: an attempt that stops heartbeating for this long is treated as stuck.
    const hbLimit = task.timeouts.heartbeat_ms
    let hbTimer = hbLimit ? setTimeout(() => abort('heartbeat_timeout', 'no heartbeat within heartbeatTimeout'), hbLimit) : null
    const actx: ActivityContext = {
      attempt: task.attempt,
      idempotencyKey: `${task.run_id}:${task.activity_key}`,
      activityType: task.activity_type,
      runId: task.run_id,
      signal: controller.signal,
      heartbeat: () => {
        if (!hbLimit || controller.signal.aborted) return
        if (hbTimer) clearTimeout(hbTimer)
        hbTimer = setTimeout(() => abort('heartbeat_timeout', 'no heartbeat within heartbeatTimeout'), hbLimit)
      },
    }
    if (this.ctx.crashAt === 'activity-start') process.kill(process.pid, 'SIGKILL')
    let outcome: { ok: true; output: unknown } | { ok: false; err: unknown }
    try {
      outcome = { ok: true, output: await raceAbort(def.fn(task.input, actx), controller.signal) }
    } catch (err) {
      outcome = { ok: false, err }
    } finally {
      if (timer) clearTimeout(timer)
      if (hbTimer) clearTimeout(hbTimer)
      this.inflightActivities.delete(task.id)
      onUserCodeDone?.()
    }
    if (this.ctx.crashAt === 'activity-returned') process.kill(process.pid, 'SIGKILL')
    if (outcome.ok) {
      const output = toJsonbShape(outcome.output)
      const r = await this.untilRecorded(task, () => this.complete(task, fence, output))
      if (r === 'conflict') this.ctx.logger.info('activity result discarded: the task is no longer ours', { task_id: task.id })
      else if (r === 'recorded') await this.activateEagerly(task.run_id)
      return
    }
    const err = outcome.err
    const code = abortCode ?? errorCodeOf(err, 'activity_failed')
    const nonRetryable = (err as { nonRetryable?: unknown })?.nonRetryable === true || (err as Error)?.name === 'NonRetryableError'
    if ((await this.untilRecorded(task, () => failTask(p, fence, code, errorMessageOf(err), nonRetryable))) === 'recorded') await this.activateEagerly(task.run_id)
  }

  /**
   * An outcome that could not be recorded (the database went away mid-commit) is tried again
   * until it is, or until the fence says the task is no longer ours: nothing else would ever
   * record it, and the task would stay claimed by this live worker.
   */
  private async untilRecorded<T>(task: ClaimedTask, record: () => Promise<T>): Promise<T | 'abandoned'> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await record()
      } catch (err) {
        if (this.stopping) {
          this.ctx.logger.warn('activity outcome not recorded before shutdown; the task will run again', { task_id: task.id, error: err })
          return 'abandoned'
        }
        this.ctx.logger.warn('recording an activity outcome failed; retrying', { task_id: task.id, attempt, error: err })
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 50 * 2 ** attempt)))
      }
    }
  }

  /**
   * Records a completion. When this worker holds the run's live execution, the completion is
   * shown to the workflow code first and commits together with what the code decides next: one
   * transaction per step instead of two, and no queue hop. If anything else reached the run
   * meanwhile, the completion is recorded alone and the run is woken the usual way.
   * Returns 'continued' when the fold committed.
   */
  private async complete(task: ClaimedTask, fence: Fence, output: unknown): Promise<RecordResult | 'continued'> {
    const outcome = await this.serialized(task.run_id, async (): Promise<RecordResult | 'continued' | null> => {
      const entry = this.cache.get(task.run_id)
      if (!entry || entry.exec.finished) return null
      const previous = entry.exec.now().getTime()
      // Whole milliseconds, never before the previous event: what replay reads back is identical.
      const createdAt = new Date(Math.max(Math.floor(Date.now()), previous))
      const event = completedEvent(task, output, createdAt)
      try {
        await entry.exec.apply([{ seq: entry.exec.lastSeq + 1, type: event.type, payload: event.payload, createdAt }])
      } catch {
        this.cache.delete(task.run_id)
        return null
      }
      const result = await this.commit(task.run_id, entry, { fence, task, output, createdAt, run: entry.run })
      if (result.ok) return 'continued'
      // The execution saw an event that did not commit as seen: it cannot be trusted any more.
      this.cache.delete(task.run_id)
      return result.recorded ?? null
    })
    return outcome ?? completeTask(this.ctx.pool, fence, output)
  }

  /** After recording an outcome, continue the run here if this worker can (its job stays as backup). */
  private async activateEagerly(runId: string): Promise<void> {
    if (!this.cache.has(runId)) return
    await this.activate(runId).catch((err: unknown) => this.ctx.logger.warn('eager activation failed', { run_id: runId, error: err }))
  }

  async fireTimer(timerId: string): Promise<boolean> {
    return fireTimer(this.ctx.pool, timerId)
  }
}

// Event times as whole milliseconds computed by Postgres, the same on every path that loads
// history, so ctx.now() is identical on every replay.
const EVENT_MS = `floor(extract(epoch from h.created_at) * 1000)::float8`

const ACTIVATION_READ_SQL = `select ${runColumns('r')}, i.instance_key,
         coalesce((select json_agg(json_build_object('seq', h.sequence_no, 'type', h.event_type, 'payload', h.payload, 'ms', ${EVENT_MS}) order by h.sequence_no)
                   from engine.history h where h.run_id = r.id and h.sequence_no > $2), '[]'::json) as events
       from engine.runs r join engine.instances i on i.id = r.instance_id where r.id = $1`

interface RawEvent {
  seq: number
  type: string
  payload: Record<string, unknown>
  ms: number
}

const toEvent = (r: RawEvent): HistoryEvent => ({ seq: r.seq, type: r.type, payload: r.payload, createdAt: new Date(r.ms) })

export async function loadHistory(p: pg.Pool, runId: string, afterSeq: number): Promise<HistoryEvent[]> {
  const { rows } = await p.query<RawEvent>(
    `select h.sequence_no as seq, h.event_type as type, h.payload, ${EVENT_MS} as ms from engine.history h
     where h.run_id = $1 and h.sequence_no > $2 order by h.sequence_no`,
    [runId, afterSeq],
  )
  return rows.map(toEvent)
}

/** Fires a due timer once: appends timer.fired and wakes the run. Safe to call repeatedly. */
export async function fireTimer(p: pg.Pool, timerId: string): Promise<boolean> {
  return withTx(p, async (c) => {
    // Never early: a sleep of N ms lasts at least N ms by the database clock.
    const { rows } = await c.query<{ run_id: string }>(`select run_id from engine.timers where id = $1 and status = 'pending' and due_at <= now()`, [timerId])
    if (!rows[0]) return false
    const run = await lockRun(c, rows[0].run_id)
    const fired = await c.query<{ command_id: number }>(
      `update engine.timers set status = 'fired', fired_at = now() where id = $1 and status = 'pending' returning command_id`,
      [timerId],
    )
    if (!fired.rows[0] || !run) return false
    await appendEvents(c, run, [{ type: 'timer.fired', payload: { command_id: fired.rows[0].command_id, timer_key: `timer-${fired.rows[0].command_id}` } }])
    await wakeRun(c, run)
    return true
  })
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('activity aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    )
  })
}
