// Shapes shared by the executor, the store and the dispatcher.

export interface HistoryEvent {
  seq: number
  type: string
  payload: Record<string, unknown>
  createdAt: Date
}

export interface RetryPolicy {
  initialInterval?: number
  backoffCoefficient?: number
  maxInterval?: number
  maxAttempts?: number
  nonRetryableErrors?: string[]
  /** Fraction (0..1) of random spread added to each delay. */
  jitter?: number
}

export interface ActivityOptions {
  retry?: RetryPolicy
  startToCloseTimeout?: number
  scheduleToCloseTimeout?: number
  heartbeatTimeout?: number
  /** `remote`: executed by an external worker through /v1/engine/activities/*. */
  target?: 'local' | 'remote'
}

export type ParentClosePolicy = 'terminate' | 'request_cancel' | 'abandon'

export interface ChildOptions {
  instanceKey?: string
  parentClosePolicy?: ParentClosePolicy
}

export type Command =
  | { kind: 'activity'; id: number; activityType: string; input: unknown; options: ActivityOptions }
  | { kind: 'timer'; id: number; durationMs: number; dueAt: Date }
  | {
      kind: 'child'
      id: number
      definitionName: string
      definitionVersion: string
      input: unknown
      instanceKey: string | null
      parentClosePolicy: ParentClosePolicy
    }
  | { kind: 'side_effect'; id: number; key: string; value: unknown }
  | { kind: 'status'; id: number; value: unknown }

export type Outcome =
  | { kind: 'completed'; result: unknown }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'cancelled' }
  | { kind: 'continued_as_new'; input: unknown }

export interface Divergence {
  expected: string
  actual: string
  detail: string
}

export type WaitDescriptor =
  | { kind: 'activity'; activity_key: string; activity_type: string }
  | { kind: 'timer'; timer_key: string; due_at: string }
  | { kind: 'signal'; signal_name: string }
  | { kind: 'child_workflow'; child_key: string }

/** What one activation produced, to be committed in one short transaction. */
export interface Decision {
  commands: Command[]
  markers: Array<{ changeId: string; position: number }>
  consumedSignals: number[]
  /** Commands whose promises were cancelled: their tasks, timers and children are stopped. */
  cancelledCommands: number[]
  outcome: Outcome | null
  divergence: Divergence | null
  waitingFor: WaitDescriptor | null
  lastSeq: number
}

export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled', 'terminated', 'continued_as_new'] as const
/** Statuses of a run that activations move (not parked, not over). */
export const MOVING_STATUSES = ['queued', 'running', 'waiting'] as const
export const RUN_STATUSES = [...MOVING_STATUSES, 'suspended', 'quarantined', ...TERMINAL_STATUSES] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status)
}

export function isMoving(status: string): boolean {
  return (MOVING_STATUSES as readonly string[]).includes(status)
}

export const activityKey = (commandId: number) => `act-${commandId}`
export const timerKey = (commandId: number) => `timer-${commandId}`
export const childKey = (commandId: number) => `child-${commandId}`
