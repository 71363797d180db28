import type { Span, TimelineEvent } from './api.js'

// Pure helpers for the trace workspace: the span tree, its flattening under an expansion set,
// the primary failure, ancestry and the retry-safety verdict.

export interface TreeNode {
  span: Span
  depth: number
  children: TreeNode[]
  parent?: TreeNode
}

export interface SpanTree {
  roots: TreeNode[]
  byId: Map<string, TreeNode>
  bySpanId: Map<string, TreeNode>
}

export function buildTree(spans: Span[]): SpanTree {
  const bySpanId = new Map<string, TreeNode>()
  const byId = new Map<string, TreeNode>()
  for (const s of spans) {
    const n: TreeNode = { span: s, depth: 0, children: [] }
    bySpanId.set(s.span_id, n)
    byId.set(s.id, n)
  }
  const roots: TreeNode[] = []
  for (const n of bySpanId.values()) {
    const p = n.span.parent_span_id ? bySpanId.get(n.span.parent_span_id) : undefined
    if (p && p !== n) {
      n.parent = p
      p.children.push(n)
    } else roots.push(n)
  }
  const order = (a: TreeNode, b: TreeNode) => a.span.started_at.localeCompare(b.span.started_at) || (a.span.sequence ?? 0) - (b.span.sequence ?? 0)
  const stack = roots.sort(order).map((r) => r)
  while (stack.length) {
    const n = stack.pop()!
    n.children.sort(order)
    for (const c of n.children) {
      c.depth = n.depth + 1
      stack.push(c)
    }
  }
  return { roots, byId, bySpanId }
}

/** Visible rows: a node's children show when it is expanded. */
export function flatten(tree: SpanTree, expanded: Set<string>, filter?: (n: TreeNode) => boolean): TreeNode[] {
  const out: TreeNode[] = []
  if (filter) {
    // Filtered view: matching spans with their ancestors, everything expanded.
    const keep = new Set<TreeNode>()
    for (const n of tree.byId.values()) {
      if (!filter(n)) continue
      for (let a: TreeNode | undefined = n; a && !keep.has(a); a = a.parent) keep.add(a)
    }
    const walk = (n: TreeNode) => {
      if (!keep.has(n)) return
      out.push(n)
      n.children.forEach(walk)
    }
    tree.roots.forEach(walk)
    return out
  }
  const stack = [...tree.roots].reverse()
  while (stack.length) {
    const n = stack.pop()!
    out.push(n)
    if (expanded.has(n.span.id)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!)
  }
  return out
}

/** Expanded by default: everything for small trees, the first two levels for large ones. */
export function defaultExpansion(tree: SpanTree): Set<string> {
  const all = tree.byId.size <= 700
  const out = new Set<string>()
  for (const n of tree.byId.values()) if (n.children.length && (all || n.depth < 1)) out.add(n.span.id)
  return out
}

export function ancestors(n: TreeNode | undefined): TreeNode[] {
  const out: TreeNode[] = []
  for (let a = n?.parent; a; a = a.parent) out.unshift(a)
  return out
}

/** The failure to look at first: a failed span with no failed descendant, the earliest to end. */
export function primaryFailure(tree: SpanTree): TreeNode | undefined {
  const failedBelow = new Set<TreeNode>()
  for (const n of tree.byId.values()) {
    if (n.span.status !== 'FAILED') continue
    for (let a = n.parent; a; a = a.parent) failedBelow.add(a)
  }
  let best: TreeNode | undefined
  for (const n of tree.byId.values()) {
    if (n.span.status !== 'FAILED' || failedBelow.has(n)) continue
    const t = n.span.ended_at ?? n.span.started_at
    if (!best || t < (best.span.ended_at ?? best.span.started_at)) best = n
  }
  return best
}

export type RetrySafety = { verdict: 'retryable' | 'unsafe' | 'unknown'; reason: string; event?: TimelineEvent }

/** Whether re-running a failed span looks safe, judged from its effect events. */
export function retrySafety(span: Span, events: TimelineEvent[]): RetrySafety {
  const effects = events.filter((e) => e.event_type === 'effect' && e.span_id === span.span_id)
  if (!effects.length) return { verdict: 'unknown', reason: 'No effect events recorded for this span' }
  for (const e of effects) {
    const p = e.payload ?? {}
    if (typeof p.has_external_side_effect !== 'boolean') return { verdict: 'unknown', reason: 'An effect does not say whether it has side effects', event: e }
    if (p.has_external_side_effect) {
      if (p.idempotent === true && p.idempotency_key) continue
      if (p.idempotent === false) return { verdict: 'unsafe', reason: `Effect ${String(p.effect_id ?? '')} changes the outside world and is not idempotent`, event: e }
      return { verdict: 'unknown', reason: 'A side effect without a clear idempotency key', event: e }
    }
  }
  return { verdict: 'retryable', reason: 'Every effect is read-only or idempotent with a key' }
}

export const SEMANTIC = new Set(['state_change', 'decision', 'effect', 'wait', 'snapshot_marker'])

/** Waits entered and not yet resolved. */
export function openWaits(events: TimelineEvent[]): TimelineEvent[] {
  const open = new Map<string, TimelineEvent>()
  for (const e of events) {
    if (e.event_type !== 'wait') continue
    const id = String(e.payload?.wait_id ?? e.id)
    if (e.payload?.phase === 'resolved') open.delete(id)
    else open.set(id, e)
  }
  return [...open.values()]
}

export type RunningState = 'declared_wait' | 'waiting_on_model' | 'waiting_on_tool' | 'actively_executing' | 'possibly_stalled' | 'unknown'
export type RunningBasis = 'declared' | 'inferred' | 'heuristic'

export interface RunningClassification {
  state: RunningState
  basis: RunningBasis
  reason: string
  /** Waits entered and not resolved. */
  waits: TimelineEvent[]
  /** Open spans with no open child: where the work is now. */
  frontier: Span[]
  openSpans: number
  /** Newest activity seen (event, span start or span end), if any. */
  lastActivity?: string
}

/** What the engine reports for a trace's durable run (its status and `wait_state`). */
export interface EngineRunState {
  status: string
  wait?: unknown
}

function describeEngineWait(w: unknown): string {
  if (typeof w === 'string') return w
  const o = (w ?? {}) as Record<string, unknown>
  const what = o.signal_name ?? o.activity_type ?? o.timer_key ?? o.child_key
  return `${String(o.kind ?? 'a wait')}${what ? ` ${String(what)}` : ''}`
}

/** No activity for this long, with no declared wait, reads as possibly stalled. */
export const STALL_AFTER_MS = 5 * 60_000

/**
 * What a running trace is doing, from what it recorded: a declared wait (an open `wait` event)
 * says so itself; otherwise the open spans with no open children tell whether a model or a tool
 * call is outstanding; otherwise recency decides between active and possibly stalled. A quiet
 * trace past `stallAfterMs` is possibly stalled even with a call open.
 */
export function classifyRunning(spans: Span[], events: TimelineEvent[], now: number, stallAfterMs = STALL_AFTER_MS, engine?: EngineRunState): RunningClassification {
  const waits = openWaits(events)
  const open = spans.filter((s) => !s.ended_at)
  const openIds = new Set(open.map((s) => s.span_id))
  const hasOpenChild = new Set<string>()
  for (const s of open) if (s.parent_span_id && openIds.has(s.parent_span_id) && s.parent_span_id !== s.span_id) hasOpenChild.add(s.parent_span_id)
  const frontier = open.filter((s) => !hasOpenChild.has(s.span_id))
  let last: string | undefined
  const seen = (t: string | undefined) => {
    if (t && (!last || t > last)) last = t
  }
  for (const e of events) seen(e.timestamp)
  for (const s of spans) {
    seen(s.started_at)
    seen(s.ended_at)
  }
  const idle = last ? now - new Date(last).getTime() : undefined
  const base = { waits, frontier, openSpans: open.length, lastActivity: last }
  // A trace projected from a durable run: the engine itself says what the run waits on (a
  // signal with a timeout shows in the trace only as its timer).
  const engineStatus = engine?.status.toLowerCase()
  if (engineStatus === 'suspended') return { ...base, state: 'declared_wait', basis: 'declared', reason: 'The engine run is suspended until it is resumed' }
  if (engineStatus === 'waiting' && engine?.wait) return { ...base, state: 'declared_wait', basis: 'declared', reason: `The engine run waits on ${describeEngineWait(engine.wait)}` }
  if (waits.length) {
    const w = waits[waits.length - 1]!
    return { ...base, state: 'declared_wait', basis: 'declared', reason: `Waiting on ${String(w.payload?.wait_kind ?? 'a wait')} ${String(w.payload?.wait_id ?? '')}`.trim() }
  }
  if (idle === undefined) return { ...base, state: 'unknown', basis: 'heuristic', reason: 'Nothing recorded yet' }
  const quiet = `no activity for ${Math.round(idle / 1000)} s`
  if (idle > stallAfterMs) return { ...base, state: 'possibly_stalled', basis: 'heuristic', reason: `${quiet}${frontier.length ? `; ${frontier.length} span(s) still open` : ''}` }
  const llm = frontier.find((s) => s.kind === 'LLM')
  if (llm) return { ...base, state: 'waiting_on_model', basis: 'inferred', reason: `Model call ${llm.name} is open${llm.model ? ` (${llm.model})` : ''}` }
  const tool = frontier.find((s) => s.kind === 'TOOL')
  if (tool) return { ...base, state: 'waiting_on_tool', basis: 'inferred', reason: `Tool call ${tool.name} is open` }
  if (frontier.length) return { ...base, state: 'actively_executing', basis: 'inferred', reason: `${frontier.map((s) => s.name).slice(0, 3).join(', ')} open, last activity ${Math.round(idle / 1000)} s ago` }
  return { ...base, state: 'unknown', basis: 'heuristic', reason: 'No open span or wait; the trace has not ended' }
}
