import { createHash } from 'node:crypto'
import { setImmediate as immediate } from 'node:timers/promises'
import type { WorkflowDefinition } from './definitions.js'
import {
  ActivityFailure,
  CancelledError,
  ChildWorkflowFailure,
  ContinueAsNewSignal,
  DeterminismViolation,
  errorCodeOf,
  errorMessageOf,
} from './errors.js'
import { installDeterminismGuards, workflowScope, type GuardedScope } from './guards.js'
import { jsonEqual, toJson } from './json.js'
import { activityKey, childKey, timerKey } from './types.js'
import type { Command, Decision, Divergence, HistoryEvent, Outcome, WaitDescriptor } from './types.js'
import { WorkflowContext } from './context.js'

// One live execution of a workflow function, driven by history. Events are applied one at a
// time and the workflow's microtasks settle between them, so Promise.all/race observe exactly
// the recorded order on every replay. Commands get ids in order of issue; a command whose id
// is already in history must match what was recorded, or the run diverged.

const COMMAND_EVENTS: Record<string, Command['kind']> = {
  'activity.scheduled': 'activity',
  'timer.scheduled': 'timer',
  'child_workflow.scheduled': 'child',
  'workflow.side_effect_recorded': 'side_effect',
  'custom_status.updated': 'status',
}

interface Pending {
  resolve(value: unknown): void
  reject(err: unknown): void
  waitFor: WaitDescriptor
}

interface SignalWaiter {
  resolve(value: unknown): void
  reject(err: unknown): void
  name: string
  timerId: number | null
}

export interface RunInfo {
  runId: string
  instanceKey: string
  runNumber: number
}

export class WorkflowExecution implements GuardedScope {
  lastSeq = 0
  cancelRequested = false
  private nextCommandId = 1
  private readonly recorded = new Map<number, HistoryEvent>()
  private maxRecorded = 0
  private readonly markers = new Map<string, number>()
  private readonly pending = new Map<number, Pending>()
  private readonly signalBuffer = new Map<string, Array<{ payload: unknown; inboxId: number }>>()
  private signalWaiters: SignalWaiter[] = []
  private readonly inflight = new Set<Promise<unknown>>()
  private newCommands: Command[] = []
  private newMarkers: Decision['markers'] = []
  private consumed: number[] = []
  private cancelledCommands: number[] = []
  private outcome: Outcome | null = null
  private divergence: Divergence | null = null
  private replaying = false
  private clock = new Date(0)
  private readonly rng: () => number

  constructor(
    readonly definition: WorkflowDefinition<any, any>,
    readonly info: RunInfo,
    /** Replay check only: never run new side-effect functions. */
    private readonly dryRun = false,
  ) {
    installDeterminismGuards()
    this.rng = seededRandom(info.runId)
  }

  /** How the workflow function ended, if it has. */
  get result(): Outcome | null {
    return this.outcome
  }

  get finished(): boolean {
    return this.outcome !== null || this.divergence !== null
  }

  /** Applies events in order (already-applied ones are skipped), settling after each. */
  async apply(events: HistoryEvent[]): Promise<void> {
    for (const ev of events) this.index(ev)
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!
      if (ev.seq <= this.lastSeq) continue
      if (ev.seq !== this.lastSeq + 1) throw new Error(`history gap: expected sequence ${this.lastSeq + 1}, got ${ev.seq}`)
      this.lastSeq = ev.seq
      this.clock = ev.createdAt
      this.replaying = i < events.length - 1
      if (!this.divergence) this.deliver(ev)
      await this.settle()
    }
    this.replaying = false
  }

  /** Drains what this execution produced since the last decision. */
  takeDecision(): Decision {
    if (!this.divergence && this.nextCommandId - 1 < this.maxRecorded) {
      const missing = this.recorded.get(this.nextCommandId)
      this.diverge(`${missing?.type ?? 'command'} #${this.nextCommandId}`, this.outcome ? `workflow ${this.outcome.kind}` : 'no further command', 'history has a command the code no longer issues')
    }
    const decision: Decision = {
      commands: this.newCommands.sort((a, b) => a.id - b.id),
      markers: this.newMarkers,
      consumedSignals: this.consumed,
      cancelledCommands: this.cancelledCommands,
      outcome: this.divergence ? null : this.outcome,
      divergence: this.divergence,
      waitingFor: this.waitingFor(),
      lastSeq: this.lastSeq,
    }
    this.newCommands = []
    this.newMarkers = []
    this.consumed = []
    this.cancelledCommands = []
    return decision
  }

  // ---- called by WorkflowContext ----

  now(): Date {
    return new Date(this.clock.getTime())
  }

  random(): number {
    return this.rng()
  }

  issue<T>(command: DistributiveOmit<Command, 'id'>, waitFor?: (id: number) => WaitDescriptor): Promise<T> {
    if (this.finished) return new Promise<T>(() => {})
    const id = this.nextCommandId++
    const full = { ...command, id } as Command
    if (!this.matchRecorded(full)) return new Promise<T>(() => {})
    if (!waitFor) return Promise.resolve(undefined as T)
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, waitFor: waitFor(id) })
    })
  }

  activity<T>(activityType: string, input: unknown, options: Extract<Command, { kind: 'activity' }>['options']): Promise<T> {
    return this.issue<T>({ kind: 'activity', activityType, input: toJson(input), options }, (id) => ({
      kind: 'activity',
      activity_key: activityKey(id),
      activity_type: activityType,
    }))
  }

  timer(durationMs: number): { id: number; promise: Promise<void> } {
    const id = this.nextCommandId
    const dueAt = new Date(this.clock.getTime() + durationMs)
    const promise = this.issue<void>({ kind: 'timer', durationMs, dueAt }, (tid) => ({
      kind: 'timer',
      timer_key: timerKey(tid),
      due_at: dueAt.toISOString(),
    }))
    return { id, promise }
  }

  child<T>(command: Omit<Extract<Command, { kind: 'child' }>, 'id' | 'kind'>): Promise<T> {
    return this.issue<T>({ kind: 'child', ...command, input: toJson(command.input) }, (id) => ({ kind: 'child_workflow', child_key: childKey(id) }))
  }

  async sideEffect<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.finished) return new Promise<T>(() => {})
    const id = this.nextCommandId
    const recorded = this.recorded.get(id)
    if (recorded) {
      this.issue({ kind: 'side_effect', key, value: recorded.payload.value })
      return recorded.payload.value as T
    }
    if (id <= this.maxRecorded) {
      this.diverge(`command #${id} as recorded`, `side effect ${key} #${id}`, 'history has no command with this id')
      return new Promise<T>(() => {})
    }
    if (this.dryRun) return new Promise<T>(() => {})
    // User code of its own: run outside the guarded scope, and keep the activation open until it settles.
    this.nextCommandId++
    const work = workflowScope.exit(async () => toJson(await fn()))
    this.inflight.add(work)
    try {
      const value = await work
      this.newCommands.push({ kind: 'side_effect', id, key, value })
      return value as T
    } finally {
      this.inflight.delete(work)
    }
  }

  patched(changeId: string): boolean {
    const at = this.markers.get(changeId)
    if (at !== undefined && at <= this.nextCommandId) return true
    if (this.replaying || this.finished) return false
    if (at !== undefined) return true
    this.markers.set(changeId, this.nextCommandId)
    this.newMarkers.push({ changeId, position: this.nextCommandId })
    return true
  }

  signal<T>(name: string, timeoutMs: number | undefined): Promise<T | null> {
    if (this.finished) return new Promise(() => {})
    const buffered = this.signalBuffer.get(name)
    if (buffered?.length) {
      const next = buffered.shift()!
      this.consumed.push(next.inboxId)
      return Promise.resolve(next.payload as T)
    }
    return new Promise<T | null>((resolve, reject) => {
      const waiter: SignalWaiter = { resolve: resolve as (v: unknown) => void, reject, name, timerId: null }
      this.signalWaiters.push(waiter)
      if (timeoutMs === undefined) return
      const timer = this.timer(timeoutMs)
      waiter.timerId = timer.id
      timer.promise.then(
        () => {
          if (!this.signalWaiters.includes(waiter)) return
          this.signalWaiters = this.signalWaiters.filter((w) => w !== waiter)
          resolve(null)
        },
        () => {}, // cancellation rejects the waiter itself
      )
    })
  }

  violate(what: string): never {
    this.diverge('deterministic workflow code', what, `workflow code called ${what}`)
    throw new DeterminismViolation(`Workflow code called ${what}; replay could not reproduce it`)
  }

  // ---- internals ----

  private index(ev: HistoryEvent): void {
    const id = ev.payload.command_id
    if (COMMAND_EVENTS[ev.type] && typeof id === 'number') {
      this.recorded.set(id, ev)
      if (id > this.maxRecorded) this.maxRecorded = id
    }
    if (ev.type === 'workflow.version_marker' && typeof ev.payload.change_id === 'string' && !this.markers.has(ev.payload.change_id)) {
      this.markers.set(ev.payload.change_id, Number(ev.payload.command_position ?? 0))
    }
  }

  private matchRecorded(cmd: Command): boolean {
    const rec = this.recorded.get(cmd.id)
    if (!rec) {
      if (cmd.id <= this.maxRecorded) {
        this.diverge(`command #${cmd.id} as recorded`, describe(cmd), 'history has no command with this id')
        return false
      }
      if (cmd.kind !== 'side_effect') this.newCommands.push(cmd)
      return true
    }
    const problem = mismatch(rec, cmd)
    if (problem) {
      this.diverge(describeRecorded(rec), describe(cmd), problem)
      return false
    }
    return true
  }

  private diverge(expected: string, actual: string, detail: string): void {
    if (this.divergence) return
    this.divergence = { expected, actual, detail }
  }

  private deliver(ev: HistoryEvent): void {
    const p = ev.payload
    const id = typeof p.command_id === 'number' ? p.command_id : -1
    switch (ev.type) {
      case 'workflow.started':
        return this.start(p.input)
      case 'activity.completed':
      case 'timer.fired':
      case 'child_workflow.completed':
        return this.settleCommand(id, ev.type, (c) => c.resolve(ev.type === 'timer.fired' ? undefined : (p.output ?? p.result ?? null)))
      case 'activity.failed':
        return this.settleCommand(id, ev.type, (c) =>
          c.reject(new ActivityFailure(String(p.error_code ?? 'activity_failed'), String(p.error_message ?? ''), String(p.activity_type ?? ''), Number(p.attempts ?? 1))),
        )
      case 'child_workflow.failed':
      case 'child_workflow.cancelled':
      case 'child_workflow.terminated':
      case 'child_workflow.start_failed': {
        const status = ev.type.slice('child_workflow.'.length) as ChildWorkflowFailure['status']
        return this.settleCommand(id, ev.type, (c) =>
          c.reject(new ChildWorkflowFailure(String(p.error_code ?? `child_${status}`), String(p.error_message ?? `child workflow ${status}`), (p.child_run_id as string) ?? null, status)),
        )
      }
      case 'signal.received':
        return this.receiveSignal(String(p.signal_name), p.payload ?? null, Number(p.inbox_id))
      case 'cancel.requested':
        return this.requestCancel()
      default:
        return
    }
  }

  private start(input: unknown): void {
    const ctx = new WorkflowContext(this)
    workflowScope.run(this, () => {
      Promise.resolve()
        .then(() => this.definition.fn(ctx, input))
        .then(
          (result) => this.finish({ kind: 'completed', result: toJson(result) }),
          (err) => this.finishWithError(err),
        )
    })
  }

  private finish(outcome: Outcome): void {
    if (this.outcome || this.divergence) return
    this.outcome = outcome
  }

  private finishWithError(err: unknown): void {
    if (err instanceof ContinueAsNewSignal) return this.finish({ kind: 'continued_as_new', input: toJson(err.input) })
    if (err instanceof DeterminismViolation) return // already recorded as a divergence
    if (err instanceof CancelledError && this.cancelRequested) return this.finish({ kind: 'cancelled' })
    this.finish({ kind: 'failed', code: errorCodeOf(err, 'workflow_failed'), message: errorMessageOf(err) })
  }

  private settleCommand(id: number, type: string, fn: (c: Pending) => void): void {
    if (id >= this.nextCommandId || id < 1) {
      this.diverge(`command #${id} issued before ${type}`, 'no such command', `history has ${type} for a command the code never issued`)
      return
    }
    const c = this.pending.get(id)
    if (!c) return // already cancelled, or a timer whose signal came first
    this.pending.delete(id)
    fn(c)
  }

  private receiveSignal(name: string, payload: unknown, inboxId: number): void {
    const waiter = this.signalWaiters.find((w) => w.name === name)
    if (!waiter) {
      const list = this.signalBuffer.get(name) ?? []
      list.push({ payload, inboxId })
      this.signalBuffer.set(name, list)
      return
    }
    this.signalWaiters = this.signalWaiters.filter((w) => w !== waiter)
    this.consumed.push(inboxId)
    if (waiter.timerId !== null && this.pending.delete(waiter.timerId)) this.cancelledCommands.push(waiter.timerId)
    waiter.resolve(payload)
  }

  private requestCancel(): void {
    if (this.cancelRequested) return
    this.cancelRequested = true
    const pending = [...this.pending.entries()]
    const waiters = this.signalWaiters
    this.pending.clear()
    this.signalWaiters = []
    for (const [id, c] of pending) {
      this.cancelledCommands.push(id)
      c.reject(new CancelledError())
    }
    for (const w of waiters) w.reject(new CancelledError())
  }

  private waitingFor(): WaitDescriptor | null {
    const w = this.signalWaiters[0]
    if (w) return { kind: 'signal', signal_name: w.name }
    const first = this.pending.values().next()
    return first.done ? null : first.value.waitFor
  }

  private async settle(): Promise<void> {
    for (;;) {
      await immediate()
      if (this.inflight.size === 0) return
      await Promise.allSettled([...this.inflight])
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function mismatch(rec: HistoryEvent, cmd: Command): string | null {
  const p = rec.payload
  if (COMMAND_EVENTS[rec.type] !== cmd.kind) return `expected ${rec.type}, the code issued a ${cmd.kind} command`
  switch (cmd.kind) {
    case 'activity':
      if (p.activity_type !== cmd.activityType) return `activity type differs`
      if (!jsonEqual(p.input, cmd.input)) return `activity input differs`
      return null
    case 'timer':
      return Number(p.duration_ms) === cmd.durationMs ? null : 'timer duration differs'
    case 'child':
      if (p.definition_name !== cmd.definitionName) return 'child workflow differs'
      return jsonEqual(p.input, cmd.input) ? null : 'child workflow input differs'
    case 'side_effect':
      return p.side_effect_key === cmd.key ? null : 'side effect key differs'
    case 'status':
      return jsonEqual(p.status, cmd.value) ? null : 'custom status differs'
  }
}

function describe(cmd: Command): string {
  switch (cmd.kind) {
    case 'activity':
      return `activity ${cmd.activityType} #${cmd.id} input=${JSON.stringify(cmd.input)}`
    case 'timer':
      return `timer ${cmd.durationMs}ms #${cmd.id}`
    case 'child':
      return `child ${cmd.definitionName}@${cmd.definitionVersion} #${cmd.id}`
    case 'side_effect':
      return `side effect ${cmd.key} #${cmd.id}`
    case 'status':
      return `set status #${cmd.id}`
  }
}

function describeRecorded(ev: HistoryEvent): string {
  const p = ev.payload
  const what = p.activity_type ?? p.definition_name ?? p.side_effect_key ?? (p.duration_ms !== undefined ? `${String(p.duration_ms)}ms` : '')
  return `${ev.type} ${String(what)} #${String(p.command_id)}${p.input !== undefined ? ` input=${JSON.stringify(p.input)}` : ''}`.replace('  ', ' ')
}

function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0)
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

