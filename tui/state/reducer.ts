import type { RunSummary } from '../../src/contract/runs.js'
import type { Session } from '../../src/contract/sessions.js'
import type { Span, TimelineEvent, Trace, TraceDetail } from '../../src/contract/traces.js'
import { buildTree, flatten, primaryFailure } from '../../src/trace-view/tree.js'
import { keyResult, type KeyInfo } from './keymap.js'
import { visibleCount } from './selectors.js'
import { TABS, type AppState, type Overlay, type RunUsage, type Tab, type TraceView } from './types.js'

// The whole TUI state machine: pure, synchronous, unit-tested. Side effects (HTTP, SSE) live in
// hooks and App, which dispatch their results here.

export type Action =
  | { type: 'resize'; bodyHeight: number }
  | { type: 'tab'; tab: Tab }
  | { type: 'next-tab' }
  | { type: 'runs-loaded'; rows: RunSummary[] }
  | { type: 'run-usage'; traces: Trace[] }
  | { type: 'traces-loaded'; rows: Trace[] }
  | { type: 'sessions-loaded'; rows: Session[] }
  | { type: 'list-error'; tab: Tab; error: string }
  | { type: 'move'; delta: number }
  | { type: 'move-to'; where: 'first' | 'last' }
  | { type: 'open-session'; session: Session }
  | { type: 'open-trace'; ref: string; runId?: string }
  | { type: 'trace-loaded'; trace: TraceDetail; spans: Span[]; events: TimelineEvent[] }
  | { type: 'trace-error'; error: string }
  | { type: 'trace-live'; live: TraceView['live'] }
  | { type: 'trace-header'; trace: Partial<TraceDetail> & { id: string } }
  | { type: 'spans'; spans: Span[] }
  | { type: 'events'; events: TimelineEvent[] }
  | { type: 'fold'; mode: 'toggle' | 'fold' | 'unfold' }
  | { type: 'focus-toggle' }
  | { type: 'json-depth'; delta: number }
  | { type: 'failed-only' }
  | { type: 'first-error' }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'input'; value: string }
  | { type: 'set-filter'; filter: string }
  | { type: 'back' }
  | { type: 'mark'; trace: { id: string; name: string; sessionId?: string } | undefined }
  | { type: 'compare-loaded'; title: string; lines: string[] }
  | { type: 'message'; text: string; error?: boolean }
  | { type: 'key'; input: string; key: KeyInfo }
  | { type: 'effects-taken'; count: number }

export function initialState(bodyHeight = 20): AppState {
  const empty = { rows: [], cursor: 0, loaded: false }
  return { tab: 'runs', view: 'list', runs: { ...empty }, traces: { ...empty }, sessions: { ...empty }, filter: '', failedOnly: false, overlay: { kind: 'none' }, bodyHeight, effects: [], runUsage: new Map() }
}

const clamp = (n: number, count: number) => Math.max(0, Math.min(n, count - 1))

function withRows(t: TraceView, filter: string, failedOnly: boolean): TraceView {
  const tree = t.tree ?? buildTree(t.spans)
  const rows = flatten(tree, { folded: t.folded, filter, failedOnly })
  const selected = t.rows[t.cursor]?.node.span.span_id
  const keep = selected ? rows.findIndex((r) => r.node.span.span_id === selected) : -1
  return { ...t, tree, rows, cursor: keep >= 0 ? keep : clamp(t.cursor, rows.length) }
}

function moveList(s: AppState, to: (cursor: number, count: number) => number): AppState {
  const key = s.tab
  const list = s[key]
  return { ...s, [key]: { ...list, cursor: clamp(to(list.cursor, visibleCount(s)), visibleCount(s)) } }
}

function updateTrace(s: AppState, fn: (t: TraceView) => TraceView): AppState {
  return s.trace ? { ...s, trace: fn(s.trace) } : s
}

export function reducer(s: AppState, a: Action): AppState {
  switch (a.type) {
    case 'resize':
      return { ...s, bodyHeight: Math.max(3, a.bodyHeight) }
    case 'tab':
      return { ...s, tab: a.tab, view: 'list', filter: '', message: undefined }
    case 'next-tab':
      return reducer(s, { type: 'tab', tab: TABS[(TABS.indexOf(s.tab) + 1) % TABS.length]! })
    case 'runs-loaded':
    case 'traces-loaded':
    case 'sessions-loaded': {
      const key = a.type === 'runs-loaded' ? 'runs' : a.type === 'traces-loaded' ? 'traces' : 'sessions'
      const next = { ...s, [key]: { ...s[key], rows: a.rows, loaded: true, error: undefined } } as AppState
      // Keep the cursor in range when rows disappear; the selection may shift by one on refresh.
      return { ...next, [key]: { ...next[key], cursor: clamp(next[key].cursor, visibleCount(next, key)) } } as AppState
    }
    case 'run-usage': {
      const usage = new Map<string, RunUsage>()
      for (const t of a.traces) if (t.trace_id.startsWith('engine:')) usage.set(t.trace_id.slice(7), { tokensIn: t.total_tokens_in, tokensOut: t.total_tokens_out, cost: t.total_cost_usd_decimal })
      return { ...s, runUsage: usage }
    }
    case 'list-error':
      return { ...s, [a.tab]: { ...s[a.tab], error: a.error } } as AppState
    case 'move':
      if (s.view === 'compare' && s.compare) return { ...s, compare: { ...s.compare, scroll: clamp(s.compare.scroll + a.delta, s.compare.lines.length) } }
      if (s.view === 'trace')
        return updateTrace(s, (t) => (t.focus === 'detail' ? { ...t, detailScroll: Math.max(0, t.detailScroll + a.delta) } : { ...t, cursor: clamp(t.cursor + a.delta, t.rows.length) }))
      return moveList(s, (c) => c + a.delta)
    case 'move-to': {
      const to = (_: number, count: number) => (a.where === 'first' ? 0 : count - 1)
      if (s.view === 'compare' && s.compare) return { ...s, compare: { ...s.compare, scroll: to(0, s.compare.lines.length) } }
      if (s.view === 'trace') return updateTrace(s, (t) => ({ ...t, cursor: clamp(to(0, t.rows.length), t.rows.length) }))
      return moveList(s, to)
    }
    case 'open-session':
      return { ...s, tab: 'traces', view: 'list', session: { id: a.session.id, label: a.session.name ?? a.session.external_id }, filter: '', traces: { ...s.traces, cursor: 0 } }
    case 'open-trace':
      return {
        ...s,
        view: 'trace',
        filter: '',
        failedOnly: false,
        overlay: { kind: 'none' },
        trace: { ref: a.ref, runId: a.runId, spans: [], events: [], rows: [], cursor: 0, folded: new Set(), focus: 'tree', detailScroll: 0, jsonDepth: 2, live: 'loading' },
      }
    case 'trace-loaded':
      return updateTrace(s, (t) => withRows({ ...t, trace: a.trace, spans: a.spans, events: a.events, tree: undefined, error: undefined }, s.filter, s.failedOnly))
    case 'trace-error':
      return updateTrace(s, (t) => ({ ...t, error: a.error, live: t.trace ? t.live : 'ended' }))
    case 'trace-live':
      return updateTrace(s, (t) => ({ ...t, live: a.live }))
    case 'trace-header':
      return updateTrace(s, (t) => (t.trace && t.trace.id === a.trace.id ? { ...t, trace: { ...t.trace, ...a.trace } } : t))
    case 'spans':
      // A batch of new or updated spans (the stream delivers them in bursts): one tree rebuild.
      return updateTrace(s, (t) => {
        if (!a.spans.length) return t
        const index = new Map(t.spans.map((x, i) => [x.span_id, i]))
        const spans = [...t.spans]
        for (const span of a.spans) {
          const at = index.get(span.span_id)
          if (at !== undefined) spans[at] = span
          else index.set(span.span_id, spans.push(span) - 1)
        }
        return withRows({ ...t, spans, tree: undefined }, s.filter, s.failedOnly)
      })
    case 'events':
      return updateTrace(s, (t) => {
        const seen = new Set(t.events.map((e) => e.id))
        const fresh = a.events.filter((e) => !seen.has(e.id))
        return fresh.length ? { ...t, events: [...t.events, ...fresh] } : t
      })
    case 'fold':
      return updateTrace(s, (t) => {
        const row = t.rows[t.cursor]
        if (!row || row.node.children.length === 0) return t
        const id = row.node.span.span_id
        const isFolded = t.folded.has(id)
        const fold = a.mode === 'toggle' ? !isFolded : a.mode === 'fold'
        if (fold === isFolded) return t
        const folded = new Set(t.folded)
        if (fold) folded.add(id)
        else folded.delete(id)
        return withRows({ ...t, folded }, s.filter, s.failedOnly)
      })
    case 'focus-toggle':
      return updateTrace(s, (t) => ({ ...t, focus: t.focus === 'tree' ? 'detail' : 'tree', detailScroll: 0 }))
    case 'json-depth':
      return updateTrace(s, (t) => ({ ...t, jsonDepth: Math.max(0, Math.min(12, t.jsonDepth + a.delta)) }))
    case 'failed-only': {
      const next = { ...s, failedOnly: !s.failedOnly }
      if (s.view === 'trace') return updateTrace(next, (t) => withRows(t, next.filter, next.failedOnly))
      return moveList(next, (c) => c)
    }
    case 'first-error':
      if (s.view === 'trace')
        return updateTrace(s, (t) => {
          const failure = t.tree ? primaryFailure(t.tree) : undefined
          if (!failure) return t
          // Unfold every ancestor so the failed span is on screen.
          const folded = new Set(t.folded)
          for (let p = failure.span.parent_span_id; p; p = t.tree!.byId.get(p)?.span.parent_span_id) {
            if (!folded.delete(p)) continue
          }
          const next = withRows({ ...t, folded }, s.filter, s.failedOnly)
          const at = next.rows.findIndex((r) => r.node === failure)
          return at >= 0 ? { ...next, cursor: at, focus: 'tree' } : next
        })
      return moveList(s, (c) => {
        if (s.tab === 'runs') {
          const i = s.runs.rows.findIndex((r) => ['FAILED', 'TERMINATED', 'QUARANTINED'].includes(r.status))
          return i >= 0 && !s.filter && !s.failedOnly ? i : c
        }
        if (s.tab === 'traces') {
          const i = s.traces.rows.filter((t) => !s.session || t.session_id === s.session.id).findIndex((t) => t.status === 'FAILED' || t.error_count > 0)
          return i >= 0 && !s.filter && !s.failedOnly ? i : c
        }
        return c
      })
    case 'overlay':
      return { ...s, overlay: a.overlay }
    case 'input':
      return s.overlay.kind === 'input' ? { ...s, overlay: { ...s.overlay, value: a.value } } : s
    case 'set-filter': {
      const next = { ...s, filter: a.filter, overlay: { kind: 'none' } as Overlay }
      if (s.view === 'trace') return updateTrace(next, (t) => withRows(t, next.filter, next.failedOnly))
      return moveList(next, () => 0)
    }
    case 'back':
      if (s.overlay.kind !== 'none') return { ...s, overlay: { kind: 'none' } }
      if (s.view === 'compare') return { ...s, view: 'list', compare: undefined }
      if (s.filter) return reducer(s, { type: 'set-filter', filter: '' })
      if (s.view === 'trace') return { ...s, view: 'list', trace: undefined, failedOnly: false }
      if (s.session) return { ...s, session: undefined, tab: 'sessions' }
      if (s.marked) return { ...s, marked: undefined, message: undefined }
      return s
    case 'mark':
      return { ...s, marked: a.trace, message: a.trace ? { text: `Marked ${a.trace.name}; press w on another trace to compare`, error: false } : undefined }
    case 'compare-loaded':
      return { ...s, view: 'compare', marked: undefined, compare: { title: a.title, lines: a.lines, scroll: 0 }, message: undefined }
    case 'message':
      return { ...s, message: { text: a.text, error: a.error === true } }
    case 'key': {
      // Esc followed at once by a key reaches us as Meta+key: it is both keys (no Meta bindings).
      if (a.key.meta && !a.key.ctrl && !a.key.escape && a.input.length === 1) {
        return reducer(reducer(s, { type: 'key', input: '', key: { escape: true } }), { type: 'key', input: a.input, key: {} })
      }
      // Keys typed faster than stdin is read arrive as one chunk ("/plan\r"): one key per char.
      if ((a.input.length > 1 || a.input === '\r' || a.input === '\n') && !a.key.return && !a.key.ctrl && !a.key.meta) {
        return [...a.input].reduce<AppState>((acc, ch) => {
          if (ch === '\r' || ch === '\n') return reducer(acc, { type: 'key', input: '', key: { return: true } })
          if (ch === '\u007f' || ch === '\b') return reducer(acc, { type: 'key', input: '', key: { backspace: true } })
          return reducer(acc, { type: 'key', input: ch, key: {} })
        }, s)
      }
      const { actions, effects } = keyResult(s, a.input, a.key)
      const next = actions.reduce(reducer, s)
      return effects.length ? { ...next, effects: [...next.effects, ...effects] } : next
    }
    case 'effects-taken':
      return { ...s, effects: s.effects.slice(a.count) }
  }
}
