import type { ActivityContext, ActivityDefinition, WorkflowDefinition } from './definitions.js'
import { Registry } from './definitions.js'
import { errorCodeOf, errorMessageOf } from './errors.js'
import { WorkflowExecution } from './execution.js'
import { toJson } from './json.js'
import { resolveRetry, retryDelay, shouldRetry } from './retry.js'
import { activityKey, childKey, isTerminal, timerKey, type Command, type Decision, type HistoryEvent, type RunStatus } from './types.js'

// An in-memory engine for deterministic unit tests: the real executor and replay, with a
// virtual clock (timers fire only when time is skipped), injectable signals and cancels, and
// activities run in-process (automatically, or completed by hand in any order).

interface MemTask {
  commandId: number
  type: string
  input: unknown
  attempt: number
  availableAt: number
  status: 'queued' | 'completed' | 'failed' | 'cancelled' | 'manual'
  retry: ReturnType<typeof resolveRetry>
}

export interface MemRun {
  id: string
  instanceKey: string
  definition: WorkflowDefinition<any, any>
  status: RunStatus
  history: HistoryEvent[]
  result: unknown
  error: { code: string; message: string } | null
  divergence: Decision['divergence']
  customStatus: unknown
  continuedTo: string | null
  parent: { runId: string; commandId: number } | null
  tasks: Map<number, MemTask>
  timers: Map<number, { dueAt: number; status: 'pending' | 'fired' | 'cancelled' }>
  children: Map<number, { runId: string; policy: string }>
  inbox: Array<{ id: number; name: string; payload: unknown; status: 'pending' | 'consumed' }>
  exec: WorkflowExecution | null
  dirty: boolean
}

export interface TestEnvironmentOptions {
  definitions?: Array<WorkflowDefinition<any, any> | ActivityDefinition<any, any>>
  /** Start of the virtual clock (ms since epoch). */
  startTime?: number
  /** `manual`: activities wait for completeActivity/failActivity. */
  activities?: 'auto' | 'manual'
  /** Replay from the first event on every activation instead of keeping executions live. */
  alwaysReplay?: boolean
}

export class TestEnvironment {
  readonly runs = new Map<string, MemRun>()
  private clock: number
  private ids = 0
  private inboxIds = 0
  private readonly registry: Registry

  constructor(private readonly options: TestEnvironmentOptions = {}) {
    this.registry = new Registry(options.definitions ?? [])
    this.clock = options.startTime ?? Date.UTC(2026, 0, 1)
  }

  get now(): Date {
    return new Date(this.clock)
  }

  start<I>(def: WorkflowDefinition<I, any>, input: I, instanceKey = `test-${this.ids + 1}`): MemRun {
    this.registry.add(def)
    return this.createRun(def, toJson(input), instanceKey, null)
  }

  signal(runId: string, name: string, payload: unknown): void {
    const run = this.get(runId)
    if (isTerminal(run.status)) throw new Error(`run ${runId} is ${run.status}`)
    const id = ++this.inboxIds
    run.inbox.push({ id, name, payload: toJson(payload), status: 'pending' })
    this.append(run, 'signal.received', { signal_name: name, payload: toJson(payload), inbox_id: id })
  }

  cancel(runId: string): void {
    const run = this.get(runId)
    if (isTerminal(run.status) || run.history.some((e) => e.type === 'cancel.requested')) return
    this.append(run, 'cancel.requested', {})
  }

  completeActivity(runId: string, commandId: number, output: unknown): void {
    const run = this.get(runId)
    const task = run.tasks.get(commandId)
    if (!task || (task.status !== 'manual' && task.status !== 'queued')) throw new Error(`no open activity #${commandId}`)
    task.status = 'completed'
    this.append(run, 'activity.completed', { command_id: commandId, activity_key: activityKey(commandId), activity_type: task.type, output: toJson(output) })
  }

  failActivity(runId: string, commandId: number, code: string, message: string): void {
    const run = this.get(runId)
    const task = run.tasks.get(commandId)
    if (!task) throw new Error(`no activity #${commandId}`)
    task.status = 'failed'
    this.append(run, 'activity.failed', { command_id: commandId, activity_key: activityKey(commandId), activity_type: task.type, error_code: code, error_message: message, attempts: task.attempt })
  }

  /** Advances the virtual clock, firing due timers and retries in due order. */
  async skipTime(ms: number): Promise<void> {
    const target = this.clock + ms
    for (;;) {
      await this.runUntilIdle()
      const next = this.nextDue()
      if (next === null || next > target) break
      this.clock = Math.max(this.clock, next)
      this.fireDue()
    }
    this.clock = target
    this.fireDue()
    await this.runUntilIdle()
  }

  /** Skips time until every run is terminal or blocked on something other than time. */
  async runToCompletion(limit = 10_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await this.runUntilIdle()
      const next = this.nextDue()
      if (next === null) return
      this.clock = Math.max(this.clock, next)
      this.fireDue()
    }
    throw new Error('runToCompletion: too many steps')
  }

  async runUntilIdle(): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      const run = [...this.runs.values()].find((r) => r.dirty)
      if (run) {
        run.dirty = false
        await this.activate(run)
        continue
      }
      const task = this.nextRunnableTask()
      if (!task) return
      await this.runActivity(task.run, task.task)
    }
    throw new Error('runUntilIdle: no progress limit reached')
  }

  /** Replays a run's whole history on a fresh execution; returns the divergence, if any. */
  async replay(runId: string, def?: WorkflowDefinition<any, any>): Promise<Decision['divergence']> {
    const run = this.get(runId)
    const ex = new WorkflowExecution(def ?? run.definition, { runId: run.id, instanceKey: run.instanceKey, runNumber: 1 })
    await ex.apply(run.history)
    return ex.takeDecision().divergence
  }

  get(runId: string): MemRun {
    const run = this.runs.get(runId)
    if (!run) throw new Error(`no run ${runId}`)
    return run
  }

  // ---- internals: a small in-memory copy of the store's commit rules ----

  private createRun(def: WorkflowDefinition<any, any>, input: unknown, instanceKey: string, parent: MemRun['parent']): MemRun {
    const run: MemRun = {
      id: `run-${++this.ids}`,
      instanceKey,
      definition: def,
      status: 'queued',
      history: [],
      result: null,
      error: null,
      divergence: null,
      customStatus: null,
      continuedTo: null,
      parent,
      tasks: new Map(),
      timers: new Map(),
      children: new Map(),
      inbox: [],
      exec: null,
      dirty: true,
    }
    this.runs.set(run.id, run)
    this.append(run, 'workflow.started', { definition_name: def.name, definition_version: def.version, instance_key: instanceKey, input })
    return run
  }

  /** Appends an event; outcomes (wake = true) make the run due for an activation. */
  private append(run: MemRun, type: string, payload: Record<string, unknown>, wake = true): void {
    run.history.push({ seq: run.history.length + 1, type, payload, createdAt: new Date(this.clock) })
    if (wake && !isTerminal(run.status) && run.status !== 'quarantined') run.dirty = true
  }

  private async activate(run: MemRun): Promise<void> {
    if (isTerminal(run.status) || run.status === 'quarantined') return
    if (!run.exec || this.options.alwaysReplay) run.exec = new WorkflowExecution(run.definition, { runId: run.id, instanceKey: run.instanceKey, runNumber: 1 })
    await run.exec.apply(run.history)
    this.commit(run, run.exec.takeDecision())
  }

  private commit(run: MemRun, d: Decision): void {
    if (d.divergence) {
      run.status = 'quarantined'
      run.divergence = d.divergence
      run.exec = null
      return
    }
    for (const cmd of d.commands) this.recordCommand(run, cmd)
    for (const m of d.markers) this.append(run, 'workflow.version_marker', { change_id: m.changeId, command_position: m.position }, false)
    for (const id of d.consumedSignals) run.inbox.find((s) => s.id === id)!.status = 'consumed'
    for (const id of d.cancelledCommands) this.cancelCommand(run, id)
    if (!d.outcome) {
      run.status = 'waiting'
      return
    }
    const o = d.outcome
    if (o.kind === 'completed') {
      run.result = o.result
      this.append(run, 'workflow.completed', { result: o.result }, false)
    } else if (o.kind === 'failed') {
      run.error = { code: o.code, message: o.message }
      this.append(run, 'workflow.failed', { error_code: o.code, error_message: o.message }, false)
    } else if (o.kind === 'cancelled') {
      this.append(run, 'workflow.cancelled', {}, false)
    } else {
      this.append(run, 'workflow.continued_as_new', { input: o.input }, false)
    }
    run.status = o.kind
    this.closeChildren(run)
    if (o.kind === 'continued_as_new') {
      const next = this.createRun(run.definition, o.input, run.instanceKey, run.parent)
      run.continuedTo = next.id
      for (const s of run.inbox.filter((x) => x.status === 'pending')) this.signal(next.id, s.name, s.payload)
      return
    }
    this.notifyParent(run)
  }

  private recordCommand(run: MemRun, cmd: Command): void {
    const base = { command_id: cmd.id }
    if (cmd.kind === 'activity') {
      this.append(run, 'activity.scheduled', { ...base, activity_key: activityKey(cmd.id), activity_type: cmd.activityType, input: cmd.input }, false)
      run.tasks.set(cmd.id, {
        commandId: cmd.id,
        type: cmd.activityType,
        input: cmd.input,
        attempt: 0,
        availableAt: this.clock,
        status: this.options.activities === 'manual' ? 'manual' : 'queued',
        retry: resolveRetry(cmd.options.retry),
      })
    } else if (cmd.kind === 'timer') {
      this.append(run, 'timer.scheduled', { ...base, timer_key: timerKey(cmd.id), duration_ms: cmd.durationMs, due_at: cmd.dueAt.toISOString() }, false)
      run.timers.set(cmd.id, { dueAt: cmd.dueAt.getTime(), status: 'pending' })
    } else if (cmd.kind === 'child') {
      const def = this.registry.workflow(cmd.definitionName, cmd.definitionVersion)
      this.append(run, 'child_workflow.scheduled', { ...base, child_key: childKey(cmd.id), definition_name: cmd.definitionName, definition_version: cmd.definitionVersion, input: cmd.input }, false)
      if (!def) {
        this.append(run, 'child_workflow.start_failed', { ...base, error_code: 'definition_not_registered', error_message: `${cmd.definitionName}@${cmd.definitionVersion} is not registered` })
        return
      }
      const child = this.createRun(def, cmd.input, cmd.instanceKey ?? `${run.instanceKey}/${childKey(cmd.id)}`, { runId: run.id, commandId: cmd.id })
      run.children.set(cmd.id, { runId: child.id, policy: cmd.parentClosePolicy })
    } else if (cmd.kind === 'side_effect') {
      this.append(run, 'workflow.side_effect_recorded', { ...base, side_effect_key: cmd.key, value: cmd.value }, false)
    } else {
      run.customStatus = cmd.value
      this.append(run, 'custom_status.updated', { ...base, status: cmd.value }, false)
    }
  }

  private cancelCommand(run: MemRun, id: number): void {
    const task = run.tasks.get(id)
    if (task && (task.status === 'queued' || task.status === 'manual')) task.status = 'cancelled'
    const timer = run.timers.get(id)
    if (timer?.status === 'pending') timer.status = 'cancelled'
    const child = run.children.get(id)
    if (child) this.cancel(child.runId)
  }

  private closeChildren(run: MemRun): void {
    for (const { runId, policy } of run.children.values()) {
      const child = this.runs.get(runId)!
      if (isTerminal(child.status) || policy === 'abandon') continue
      if (policy === 'request_cancel') this.cancel(runId)
      else this.terminate(runId)
    }
  }

  terminate(runId: string): void {
    const run = this.get(runId)
    if (isTerminal(run.status)) return
    this.append(run, 'workflow.terminated', { error_code: 'terminated', error_message: 'run terminated by operator' })
    run.status = 'terminated'
    run.dirty = false
    run.exec = null
    for (const { runId: childId } of run.children.values()) this.terminate(childId)
    this.notifyParent(run)
  }

  private notifyParent(run: MemRun): void {
    if (!run.parent) return
    const parent = this.get(run.parent.runId)
    if (isTerminal(parent.status)) return
    const base = { command_id: run.parent.commandId, child_run_id: run.id }
    if (run.status === 'completed') this.append(parent, 'child_workflow.completed', { ...base, result: run.result })
    else this.append(parent, `child_workflow.${run.status}`, { ...base, error_code: run.error?.code ?? `child_${run.status}`, error_message: run.error?.message ?? `child workflow ${run.status}` })
  }

  private nextRunnableTask(): { run: MemRun; task: MemTask } | null {
    for (const run of this.runs.values()) {
      if (isTerminal(run.status)) continue
      for (const task of run.tasks.values()) if (task.status === 'queued' && task.availableAt <= this.clock) return { run, task }
    }
    return null
  }

  private async runActivity(run: MemRun, task: MemTask): Promise<void> {
    const def = this.registry.activities.get(task.type)
    task.attempt++
    const actx: ActivityContext = {
      attempt: task.attempt,
      idempotencyKey: `${run.id}:${activityKey(task.commandId)}`,
      activityType: task.type,
      runId: run.id,
      signal: new AbortController().signal,
      heartbeat: () => {},
    }
    try {
      if (!def) throw Object.assign(new Error(`activity ${task.type} is not registered`), { code: 'activity_not_registered', nonRetryable: true })
      const output = await def.fn(task.input, actx)
      if (task.status !== 'queued') return
      task.status = 'completed'
      this.append(run, 'activity.completed', { command_id: task.commandId, activity_key: activityKey(task.commandId), activity_type: task.type, output: toJson(output) })
    } catch (err) {
      if (task.status !== 'queued') return
      const code = errorCodeOf(err, 'activity_failed')
      const nonRetryable = (err as { nonRetryable?: boolean }).nonRetryable === true || (err as Error).name === 'NonRetryableError'
      if (shouldRetry(task.retry, task.attempt, code, nonRetryable)) {
        task.availableAt = this.clock + retryDelay(task.retry, task.attempt, () => 0)
        this.append(run, 'activity.retry_scheduled', { command_id: task.commandId, activity_key: activityKey(task.commandId), failed_attempt: task.attempt, error_code: code, error_message: errorMessageOf(err) }, false)
        return
      }
      task.status = 'failed'
      this.append(run, 'activity.failed', { command_id: task.commandId, activity_key: activityKey(task.commandId), activity_type: task.type, error_code: code, error_message: errorMessageOf(err), attempts: task.attempt })
    }
  }

  private nextDue(): number | null {
    let next: number | null = null
    for (const run of this.runs.values()) {
      if (isTerminal(run.status)) continue
      for (const t of run.timers.values()) if (t.status === 'pending' && (next === null || t.dueAt < next)) next = t.dueAt
      for (const t of run.tasks.values()) if (t.status === 'queued' && t.availableAt > this.clock && (next === null || t.availableAt < next)) next = t.availableAt
    }
    return next
  }

  private fireDue(): void {
    const due: Array<{ run: MemRun; id: number; at: number }> = []
    for (const run of this.runs.values()) {
      if (isTerminal(run.status)) continue
      for (const [id, t] of run.timers) if (t.status === 'pending' && t.dueAt <= this.clock) due.push({ run, id, at: t.dueAt })
    }
    due.sort((a, b) => a.at - b.at || a.id - b.id)
    for (const { run, id } of due) {
      run.timers.get(id)!.status = 'fired'
      this.append(run, 'timer.fired', { command_id: id, timer_key: timerKey(id) })
    }
  }
}
