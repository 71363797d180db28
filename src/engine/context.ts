import type { ActivityDefinition, WorkflowDefinition } from './definitions.js'
import { ContinueAsNewSignal } from './errors.js'
import type { WorkflowExecution } from './execution.js'
import type { ActivityOptions, ChildOptions } from './types.js'

// What workflow code sees. Every method is deterministic: the same history gives the same
// answers and the same commands, in the same order.

export type Duration = number | string

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** 1500, '1500ms', '30s', '5m', '2h', '1d' → milliseconds. */
export function parseDuration(value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`duration must be a non-negative number of ms, got ${value}`)
    return Math.round(value)
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(String(value))
  if (!m) throw new TypeError(`duration must look like 500ms, 30s, 5m, 2h or 1d, got ${JSON.stringify(value)}`)
  return Math.round(Number(m[1]) * UNITS[m[2]!]!)
}

export class WorkflowContext {
  constructor(private readonly ex: WorkflowExecution) {}

  get runId(): string {
    return this.ex.info.runId
  }

  get instanceKey(): string {
    return this.ex.info.instanceKey
  }

  /** True once a cancel request reached this run. */
  get cancelRequested(): boolean {
    return this.ex.cancelRequested
  }

  activity<I, O>(def: ActivityDefinition<I, O>, input: I, options?: ActivityOptions): Promise<O>
  activity<O = unknown>(type: string, input: unknown, options?: ActivityOptions): Promise<O>
  activity(def: ActivityDefinition<any, any> | string, input: unknown, options: ActivityOptions = {}): Promise<unknown> {
    const type = typeof def === 'string' ? def : def.type
    const defaults = typeof def === 'string' ? {} : def.defaults
    const merged: ActivityOptions = { ...defaults, ...options, retry: { ...defaults.retry, ...options.retry } }
    return this.ex.activity(type, input, merged)
  }

  sleep(duration: Duration): Promise<void> {
    return this.ex.timer(parseDuration(duration)).promise
  }

  sleepUntil(at: Date | string | number): Promise<void> {
    const due = new Date(at).getTime()
    if (Number.isNaN(due)) throw new TypeError('sleepUntil needs a valid date')
    return this.ex.timer(Math.max(0, due - this.ex.now().getTime())).promise
  }

  /** The next signal of this name (FIFO), or null when `timeout` passes first. */
  signal<T = unknown>(name: string, options: { timeout?: Duration } = {}): Promise<T | null> {
    if (typeof name !== 'string' || !name) throw new TypeError('signal name must be a non-empty string')
    return this.ex.signal<T>(name, options.timeout === undefined ? undefined : parseDuration(options.timeout))
  }

  child<I, O>(def: WorkflowDefinition<I, O>, input: I, options: ChildOptions = {}): Promise<O> {
    return this.ex.child<O>({
      definitionName: def.name,
      definitionVersion: def.version,
      input,
      instanceKey: options.instanceKey ?? null,
      parentClosePolicy: options.parentClosePolicy ?? 'request_cancel',
    })
  }

  /** Ends this run and starts a fresh one of the same instance with `input`. */
  continueAsNew(input: unknown): never {
    throw new ContinueAsNewSignal(input)
  }

  setStatus(value: unknown): void {
    void this.ex.issue({ kind: 'status', value: value === undefined ? null : JSON.parse(JSON.stringify(value)) })
  }

  now(): Date {
    return this.ex.now()
  }

  random(): number {
    return this.ex.random()
  }

  uuid(): string {
    const bytes = Array.from({ length: 16 }, () => Math.floor(this.ex.random() * 256))
    bytes[6] = (bytes[6]! & 0x0f) | 0x40
    bytes[8] = (bytes[8]! & 0x3f) | 0x80
    const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }

  /** Runs `fn` once and records its value; replays return the recorded value. */
  sideEffect<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
    return this.ex.sideEffect(key, fn)
  }

  /** True for runs that reached this point with the new code; false when replaying older history. */
  patched(changeId: string): boolean {
    return this.ex.patched(changeId)
  }
}
