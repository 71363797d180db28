import { ago, formatCost, formatDuration, formatTokens, painter, renderTable, type Column, type OutputOptions } from '../cli/output.js'
import type { Session } from '../contract/sessions.js'
import type { Trace } from '../contract/traces.js'

// Tables for `traces list` and `sessions list`.

export function tracesTable(traces: Trace[], o: OutputOptions, now = Date.now()): string {
  const p = painter(o.color)
  const cols: Column<Trace>[] = [
    { header: 'ID', get: (t) => t.id },
    { header: 'STATUS', get: (t) => t.status, paint: (s) => (s.startsWith('FAILED') ? p.red(s) : s.startsWith('RUNNING') ? p.blue(s) : p.green(s)) },
    { header: 'NAME', get: (t) => t.name, flex: true },
    { header: o.tty ? 'AGE' : 'STARTED', get: (t) => (o.tty ? ago(t.started_at, now) : t.started_at) },
    { header: 'DURATION', get: (t) => formatDuration(t.duration_ms) },
    { header: 'SPANS', get: (t) => String(t.total_spans) },
    { header: 'TOKENS', get: (t) => (o.tty ? `${formatTokens(t.total_tokens_in)}/${formatTokens(t.total_tokens_out)}` : `${t.total_tokens_in}/${t.total_tokens_out}`) },
    { header: 'COST', get: (t) => (o.tty ? formatCost(t.total_cost_usd_decimal) : t.total_cost_usd_decimal) },
    { header: 'ERRORS', get: (t) => String(t.error_count) },
    { header: 'SESSION', get: (t) => t.session_external_id ?? '', flex: true },
  ]
  return renderTable(traces, cols, o)
}

export function sessionsTable(sessions: Session[], o: OutputOptions, now = Date.now()): string {
  const cols: Column<Session>[] = [
    { header: 'ID', get: (s) => s.id },
    { header: 'SESSION', get: (s) => s.external_id, flex: true },
    { header: 'NAME', get: (s) => s.name ?? '', flex: true },
    { header: 'USER', get: (s) => s.user_id ?? '' },
    { header: 'TRACES', get: (s) => String(s.trace_count) },
    { header: o.tty ? 'ACTIVE' : 'LAST_ACTIVITY', get: (s) => (o.tty ? ago(s.last_activity_at, now) : s.last_activity_at) },
  ]
  return renderTable(sessions, cols, o)
}
