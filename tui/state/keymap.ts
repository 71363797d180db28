import { selectedRun, selectedSession, selectedTrace } from './selectors.js'
import type { Action } from './reducer.js'
import type { AppState, Overlay } from './types.js'

// The keyboard model (see keys.ts) as a pure function of the current state: which state changes
// a key makes, and which side effects it asks for. It runs inside the reducer, so keys typed
// faster than the screen redraws still see the state the previous key left.

export interface KeyInfo {
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
  meta?: boolean
}

export type Effect =
  | { kind: 'exit' }
  | { kind: 'refresh' }
  | { kind: 'control'; action: 'signal' | 'cancel' | 'terminate'; runId: string; signalName?: string; payload?: unknown }
  | { kind: 'compare'; a: { id: string; sessionId?: string }; b: { id: string; sessionId?: string } }

export interface KeyResult {
  actions: Action[]
  effects: Effect[]
}

const none: KeyResult = { actions: [], effects: [] }
const act = (...actions: Action[]): KeyResult => ({ actions, effects: [] })
const effect = (...effects: Effect[]): KeyResult => ({ actions: [], effects })
const overlay = (o: Overlay) => act({ type: 'overlay', overlay: o })

function currentRunId(s: AppState): string | undefined {
  if (s.view === 'trace') return s.trace?.runId
  if (s.view === 'list') return selectedRun(s)?.run_id
  return undefined
}

export function keyResult(s: AppState, input: string, key: KeyInfo): KeyResult {
  const o = s.overlay
  if (key.ctrl && input === 'c') return effect({ kind: 'exit' })
  if (o.kind === 'input') {
    if (key.escape) return overlay({ kind: 'none' })
    if (key.backspace || key.delete) return act({ type: 'input', value: o.value.slice(0, -1) })
    if (key.ctrl && input === 'u') return act({ type: 'input', value: '' })
    if (key.return) return submit(o, s)
    if (input && !key.ctrl && !key.meta) return act({ type: 'input', value: o.value + input.replace(/[\r\n]/g, '') })
    return none
  }
  if (o.kind === 'confirm') {
    if (input === 'y' || input === 'Y') return { actions: [{ type: 'overlay', overlay: { kind: 'none' } }], effects: [{ kind: 'control', action: o.action, runId: o.runId, signalName: o.signalName, payload: o.payload }] }
    return act({ type: 'overlay', overlay: { kind: 'none' } }, { type: 'message', text: 'Not done' })
  }
  if (o.kind === 'help') return key.escape || input === '?' || input === 'q' ? overlay({ kind: 'none' }) : none

  if (input === 'q') return effect({ kind: 'exit' })
  if (input === '?') return overlay({ kind: 'help' })
  if (key.escape) return act({ type: 'back' })
  if (input === '/') return overlay({ kind: 'input', purpose: 'filter', value: s.filter })
  if (input === ':') return overlay({ kind: 'input', purpose: 'jump', value: '' })
  if (key.upArrow || input === 'k') return act({ type: 'move', delta: -1 })
  if (key.downArrow || input === 'j') return act({ type: 'move', delta: 1 })
  if (key.pageUp) return act({ type: 'move', delta: -Math.max(1, s.bodyHeight - 2) })
  if (key.pageDown) return act({ type: 'move', delta: Math.max(1, s.bodyHeight - 2) })
  if (input === 'g') return act({ type: 'move-to', where: 'first' })
  if (input === 'G') return act({ type: 'move-to', where: 'last' })
  if (input === 'f') return act({ type: 'failed-only' })
  if (input === 'e') return act({ type: 'first-error' })
  if (input === 'r') return effect({ kind: 'refresh' })

  const runId = currentRunId(s)
  if (runId && input === 's') return overlay({ kind: 'input', purpose: 'signal-name', value: '', runId })
  if (runId && (input === 'c' || input === 't')) {
    const action = input === 'c' ? 'cancel' : 'terminate'
    return overlay({ kind: 'confirm', action, runId, label: `${action === 'cancel' ? 'Cancel' : 'Terminate'} run ${runId}` })
  }
  if (!runId && (input === 's' || input === 'c' || input === 't')) return act({ type: 'message', text: 's, c and t act on a run: select one in the Runs tab (1)', error: true })

  if (s.view === 'trace') {
    if (key.tab) return act({ type: 'focus-toggle' })
    if (key.return || input === ' ') return act({ type: 'fold', mode: 'toggle' })
    if (key.leftArrow || input === 'h') return act({ type: 'fold', mode: 'fold' })
    if (key.rightArrow || input === 'l') return act({ type: 'fold', mode: 'unfold' })
    if (input === '+' || input === '=') return act({ type: 'json-depth', delta: 1 })
    if (input === '-') return act({ type: 'json-depth', delta: -1 })
    return none
  }
  if (s.view !== 'list') return none
  if (key.tab) return act({ type: 'next-tab' })
  if (input === '1') return act({ type: 'tab', tab: 'runs' })
  if (input === '2') return act({ type: 'tab', tab: 'traces' })
  if (input === '3') return act({ type: 'tab', tab: 'sessions' })
  if (key.return) {
    const run = selectedRun(s)
    if (run) return act({ type: 'open-trace', ref: run.run_id, runId: run.run_id })
    const trace = selectedTrace(s)
    if (trace) return act({ type: 'open-trace', ref: trace.id })
    const session = selectedSession(s)
    if (session) return act({ type: 'open-session', session })
    return none
  }
  if (input === 'w') {
    const trace = selectedTrace(s)
    if (!trace) return act({ type: 'message', text: 'w marks traces: switch to the Traces tab (2)', error: true })
    const mine = { id: trace.id, name: trace.name, sessionId: trace.session_id }
    if (!s.marked || s.marked.id === trace.id) return act({ type: 'mark', trace: s.marked ? undefined : mine })
    return effect({ kind: 'compare', a: s.marked, b: mine })
  }
  return none
}

function submit(o: Extract<Overlay, { kind: 'input' }>, s: AppState): KeyResult {
  const value = o.value.trim()
  if (o.purpose === 'filter') return act({ type: 'set-filter', filter: value })
  if (o.purpose === 'jump') {
    const close: Action = { type: 'overlay', overlay: { kind: 'none' } }
    return value ? act(close, { type: 'open-trace', ref: value, runId: s.runs.rows.some((r) => r.run_id === value) ? value : undefined }) : act(close)
  }
  if (o.purpose === 'signal-name') {
    if (!value) return overlay({ kind: 'none' })
    return overlay({ kind: 'input', purpose: 'signal-payload', value: '', runId: o.runId, signalName: value })
  }
  let payload: unknown = null
  if (value) {
    try {
      payload = JSON.parse(value)
    } catch (err) {
      return act({ type: 'message', text: `Payload is not valid JSON: ${(err as Error).message}`, error: true })
    }
  }
  return overlay({ kind: 'confirm', action: 'signal', runId: o.runId!, signalName: o.signalName, payload, label: `Send signal ${o.signalName} ${value || 'null'} to run ${o.runId}` })
}
