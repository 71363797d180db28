import type { RunSummary } from '../../src/contract/runs.js'
import type { Session } from '../../src/contract/sessions.js'
import type { Trace } from '../../src/contract/traces.js'
import type { AppState, Tab } from './types.js'

// Derived views of the state, shared by the reducer (cursor bounds) and the components.

const FAILED_RUN = new Set(['FAILED', 'TERMINATED', 'QUARANTINED', 'CANCELLED'])

export function runText(r: RunSummary): string {
  return `${r.run_id} ${r.status} ${r.definition_name} ${r.instance_key}`.toLowerCase()
}
export function traceText(t: Trace): string {
  return `${t.id} ${t.trace_id} ${t.name} ${t.status} ${t.session_external_id ?? ''} ${t.user_id ?? ''}`.toLowerCase()
}
export function sessionText(s: Session): string {
  return `${s.id} ${s.external_id} ${s.name ?? ''} ${s.user_id ?? ''}`.toLowerCase()
}

export function visibleRuns(s: AppState): RunSummary[] {
  const f = s.filter.toLowerCase()
  return s.runs.rows.filter((r) => (!s.failedOnly || FAILED_RUN.has(r.status)) && (!f || runText(r).includes(f)))
}
export function visibleTraces(s: AppState): Trace[] {
  const f = s.filter.toLowerCase()
  return s.traces.rows.filter((t) => (!s.session || t.session_id === s.session.id) && (!s.failedOnly || t.status === 'FAILED' || t.error_count > 0) && (!f || traceText(t).includes(f)))
}
export function visibleSessions(s: AppState): Session[] {
  const f = s.filter.toLowerCase()
  return s.sessions.rows.filter((x) => !f || sessionText(x).includes(f))
}

export function visibleCount(s: AppState, tab: Tab = s.tab): number {
  return tab === 'runs' ? visibleRuns(s).length : tab === 'traces' ? visibleTraces(s).length : visibleSessions(s).length
}

export function selectedRun(s: AppState): RunSummary | undefined {
  return s.tab === 'runs' ? visibleRuns(s)[s.runs.cursor] : undefined
}
export function selectedTrace(s: AppState): Trace | undefined {
  return s.tab === 'traces' ? visibleTraces(s)[s.traces.cursor] : undefined
}
export function selectedSession(s: AppState): Session | undefined {
  return s.tab === 'sessions' ? visibleSessions(s)[s.sessions.cursor] : undefined
}

/** First index of the window that keeps `cursor` visible in `height` rows, centred-ish. */
export function windowStart(cursor: number, count: number, height: number): number {
  if (count <= height) return 0
  return Math.max(0, Math.min(cursor - Math.floor(height / 2), count - height))
}
