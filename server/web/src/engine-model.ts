import type { TimelineEvent } from './api.js'

// Pure helpers for the engine views of a trace: the run's lifecycle path derived from its
// history, the projected journal counts, and the replay step-through model (what a replay of the
// recorded history up to a given event would hand back from the journal, what it would be
// waiting on, and what it has not reached yet).

export interface HistoryLike {
  sequence_no: number
  event_type: string
  payload: unknown
  created_at?: string
}

/** Run statuses in the order the diagram lays them out. */
export const LIFECYCLE = ['queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new'] as const
export type LifecycleStatus = (typeof LIFECYCLE)[number]
export const TERMINAL_LIFECYCLE = new Set<LifecycleStatus>(['completed', 'failed', 'cancelled', 'terminated', 'continued_as_new'])

/** The legal moves of the engine's state machine (the diagram draws these). */
export const LIFECYCLE_EDGES: Array<[LifecycleStatus, LifecycleStatus]> = [
  ['queued', 'running'],
  ['running', 'waiting'],
  ['waiting', 'running'],
  ['queued', 'suspended'],
  ['waiting', 'suspended'],
  ['suspended', 'queued'],
  ['running', 'quarantined'],
  ['quarantined', 'queued'],
  ['running', 'completed'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'continued_as_new'],
  ['queued', 'terminated'],
  ['waiting', 'terminated'],
  ['suspended', 'terminated'],
  ['quarantined', 'terminated'],
]

const WAKES = new Set(['activity.completed', 'activity.failed', 'timer.fired', 'signal.received', 'cancel.requested', 'child_workflow.completed', 'child_workflow.failed', 'child_workflow.cancelled', 'child_workflow.terminated', 'child_workflow.start_failed'])
const SLEEPS = new Set(['activity.scheduled', 'activity.retry_scheduled', 'timer.scheduled', 'child_workflow.scheduled'])
const CLOSES: Record<string, LifecycleStatus> = {
  'workflow.completed': 'completed',
  'workflow.failed': 'failed',
  'workflow.cancelled': 'cancelled',
  'workflow.terminated': 'terminated',
  'workflow.continued_as_new': 'continued_as_new',
}

/** The status a history event leaves the run in, given the status before it. */
export function statusAfter(before: LifecycleStatus, eventType: string): LifecycleStatus {
  if (CLOSES[eventType]) return CLOSES[eventType]!
  if (eventType === 'workflow.started') return 'running'
  if (eventType === 'workflow.suspended') return 'suspended'
  if (eventType === 'workflow.resumed') return 'queued'
  if (SLEEPS.has(eventType)) return before === 'suspended' ? before : 'waiting'
  if (WAKES.has(eventType)) return before === 'suspended' ? before : 'running'
  return before
}

export function normaliseStatus(s: string | undefined): LifecycleStatus | undefined {
  const v = s?.toLowerCase()
  return (LIFECYCLE as readonly string[]).includes(v ?? '') ? (v as LifecycleStatus) : undefined
}

/**
 * The statuses a run went through, oldest first (no repeats in a row), derived from its history;
 * the current status closes the path when history does not show how it got there (quarantine,
 * or a journal that was purged or paged only in part).
 */
export function lifecyclePath(history: HistoryLike[], current?: string): { path: LifecycleStatus[]; edges: Set<string>; current?: LifecycleStatus } {
  const path: LifecycleStatus[] = ['queued']
  let s: LifecycleStatus = 'queued'
  for (const e of history) {
    const next = statusAfter(s, e.event_type)
    if (next !== s) path.push(next)
    s = next
  }
  const cur = normaliseStatus(current)
  if (cur && cur !== s) {
    // A woken run is queued before it runs again; show the hop the diagram knows.
    if (cur === 'quarantined' && s !== 'running') path.push('running')
    path.push(cur)
  }
  const edges = new Set<string>()
  for (let i = 1; i < path.length; i++) edges.add(`${path[i - 1]}>${path[i]}`)
  return { path, edges, current: cur ?? s }
}

export const JOURNAL_KINDS = ['state_change', 'decision', 'effect', 'wait', 'snapshot_marker'] as const

/** Counts of the semantic (journal) events a trace holds, by kind. */
export function journalCounts(events: TimelineEvent[]): Record<(typeof JOURNAL_KINDS)[number], number> {
  const out = { state_change: 0, decision: 0, effect: 0, wait: 0, snapshot_marker: 0 }
  for (const e of events) if (e.event_type in out) out[e.event_type as keyof typeof out]++
  return out
}

// --- replay ---------------------------------------------------------------------------------

export type ReplayState = 'replayed' | 'current' | 'pending'

export interface ReplayItem {
  key: string
  kind: 'run' | 'activity' | 'timer' | 'child' | 'signal'
  label: string
  /** Which one: the activity key and attempt. */
  detail?: string
  /** The projected span's external id, for activity attempts and the run itself. */
  spanId?: string
  /** Index (into the history array) of the event that issued it. */
  start: number
  /** Index of the event that recorded its outcome. */
  end?: number
  outcome?: string
}

export interface Checkpoint {
  index: number
  label: string
  kind: 'start' | 'completion' | 'failure' | 'end'
}

export interface ReplayModel {
  items: ReplayItem[]
  checkpoints: Checkpoint[]
  firstFailure?: number
}

const FAILURES = new Set(['activity.failed', 'activity.retry_scheduled', 'child_workflow.failed', 'child_workflow.start_failed', 'child_workflow.terminated', 'workflow.failed', 'workflow.terminated'])

function obj(p: unknown): Record<string, unknown> {
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {}
}

/** Builds the step-through model of a run's history (events in sequence order). */
export function buildReplay(history: HistoryLike[], runId: string): ReplayModel {
  const items: ReplayItem[] = [{ key: 'run', kind: 'run', label: 'workflow run', spanId: `engine:root:${runId}`, start: 0 }]
  const byKey = new Map<string, ReplayItem>()
  const checkpoints: Checkpoint[] = []
  let firstFailure: number | undefined
  const open = (key: string, item: Omit<ReplayItem, 'key'>) => {
    const it = { key, ...item }
    items.push(it)
    byKey.set(key, it)
    return it
  }
  const close = (key: string, index: number, outcome: string, fallback: () => Omit<ReplayItem, 'key' | 'end' | 'outcome'>) => {
    const it = byKey.get(key) ?? open(key, fallback())
    if (it.end === undefined) {
      it.end = index
      it.outcome = outcome
    }
  }
  history.forEach((e, i) => {
    const p = obj(e.payload)
    const activity = (attempt: number) => `activity:${String(p.activity_key)}:${attempt}`
    const activityItem = (attempt: number) => ({ kind: 'activity' as const, label: String(p.activity_type ?? 'activity'), detail: `${String(p.activity_key)}${attempt > 1 ? ` attempt ${attempt}` : ''}`, spanId: `engine:activity:${runId}:${String(p.activity_key)}:${attempt}`, start: i })
    switch (e.event_type) {
      case 'activity.scheduled':
        open(activity(1), activityItem(1))
        break
      case 'activity.retry_scheduled': {
        const n = Number(p.failed_attempt ?? 1)
        close(activity(n), i, 'failed, retry scheduled', () => activityItem(n))
        open(activity(n + 1), activityItem(n + 1))
        break
      }
      case 'activity.completed':
      case 'activity.failed': {
        const n = Number(p.attempts ?? 1)
        const ok = e.event_type === 'activity.completed'
        close(activity(n), i, ok ? 'completed' : 'failed', () => activityItem(n))
        if (ok) checkpoints.push({ index: i, label: `#${e.sequence_no} ${String(p.activity_type ?? 'activity')} completed`, kind: 'completion' })
        break
      }
      case 'timer.scheduled':
        open(`timer:${String(p.command_id)}`, { kind: 'timer', label: `timer ${p.duration_ms !== undefined ? `${String(p.duration_ms)} ms` : String(p.timer_key ?? '')}`, start: i })
        break
      case 'timer.fired':
        close(`timer:${String(p.command_id)}`, i, 'fired', () => ({ kind: 'timer', label: `timer ${String(p.timer_key ?? '')}`, start: i }))
        break
      case 'child_workflow.scheduled':
        open(`child:${String(p.command_id)}`, { kind: 'child', label: `child ${String(p.definition_name ?? '')}${p.instance_key ? ` (${String(p.instance_key)})` : ''}`, start: i })
        break
      case 'child_workflow.completed':
      case 'child_workflow.failed':
      case 'child_workflow.cancelled':
      case 'child_workflow.terminated':
      case 'child_workflow.start_failed':
        close(`child:${String(p.command_id)}`, i, e.event_type.slice('child_workflow.'.length).replace('_', ' '), () => ({ kind: 'child', label: 'child workflow', start: i }))
        break
      case 'signal.received':
        open(`signal:${e.sequence_no}`, { kind: 'signal', label: `signal ${String(p.signal_name ?? '')}`, start: i, end: i, outcome: 'received' })
        break
      default:
        if (CLOSES[e.event_type]) {
          items[0]!.end = i
          items[0]!.outcome = CLOSES[e.event_type]!.replace(/_/g, ' ')
        }
    }
    if (FAILURES.has(e.event_type) && firstFailure === undefined) {
      firstFailure = i
      checkpoints.push({ index: i, label: `#${e.sequence_no} first failure: ${e.event_type}`, kind: 'failure' })
    }
  })
  if (history.length) {
    checkpoints.unshift({ index: 0, label: `#${history[0]!.sequence_no} start`, kind: 'start' })
    if (items[0]!.end !== undefined) checkpoints.push({ index: items[0]!.end, label: `#${history[items[0]!.end]!.sequence_no} run ${items[0]!.outcome}`, kind: 'end' })
  }
  checkpoints.sort((a, b) => a.index - b.index)
  return { items, checkpoints, firstFailure }
}

/** What an item is at step `index`: its outcome already recorded, issued and outstanding, or not reached. */
export function replayState(item: ReplayItem, index: number): ReplayState {
  if (item.end !== undefined && item.end <= index) return 'replayed'
  if (item.start <= index) return 'current'
  return 'pending'
}

/** The run's status right after history event `index`. */
export function statusAtStep(history: HistoryLike[], index: number): LifecycleStatus {
  let s: LifecycleStatus = 'queued'
  for (let i = 0; i <= index && i < history.length; i++) s = statusAfter(s, history[i]!.event_type)
  return s
}
