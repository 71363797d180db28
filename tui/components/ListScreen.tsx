import { ago, formatCost, formatDuration } from '../../src/cli/output.js'
import type { RunSummary } from '../../src/contract/runs.js'
import type { Session } from '../../src/contract/sessions.js'
import type { Trace } from '../../src/contract/traces.js'
import { waitText } from '../../src/cli/runs-view.js'
import { ListTable, type ListColumn } from './ListTable.js'
import type { RunUsage, Tab } from '../state/types.js'

export interface ListScreenProps {
  tab: Tab
  runs: RunSummary[]
  traces: Trace[]
  sessions: Session[]
  cursor: number
  height: number
  width: number
  now: number
  markedId?: string
  runUsage?: ReadonlyMap<string, RunUsage>
}

const statusColor = (s: string) => (/FAILED|TERMINATED|QUARANTINED/.test(s) ? 'red' : /RUNNING|QUEUED/.test(s) ? 'blue' : /WAITING|SUSPENDED/.test(s) ? 'yellow' : 'green')

export function ListScreen({ tab, runs, traces, sessions, cursor, height, width, now, markedId, runUsage }: ListScreenProps) {
  if (tab === 'runs') {
    const cols: ListColumn<RunSummary>[] = [
      { header: 'STATUS', width: 10, get: (r) => r.status, color: (r) => statusColor(r.status) },
      { header: 'DEFINITION', width: 18, get: (r) => r.definition_name },
      { header: 'INSTANCE KEY', width: 22, get: (r) => r.instance_key },
      { header: 'WAITING ON', width: 20, get: (r) => waitText(r.wait_state) },
      { header: 'AGE', width: 8, get: (r) => ago(r.created_at, now) },
      { header: 'TOKENS', width: 11, get: (r) => (runUsage?.get(r.run_id) ? `${runUsage.get(r.run_id)!.tokensIn}/${runUsage.get(r.run_id)!.tokensOut}` : '') },
      { header: 'COST', width: 8, get: (r) => (runUsage?.get(r.run_id) ? formatCost(runUsage.get(r.run_id)!.cost) : '') },
      { header: 'RUN', width: 36, get: (r) => r.run_id },
    ]
    return <ListTable rows={runs} columns={cols} cursor={cursor} height={height} width={width} rowKey={(r) => r.run_id} empty="No runs (start one with `continua runs start`)" />
  }
  if (tab === 'traces') {
    const cols: ListColumn<Trace>[] = [
      { header: 'STATUS', width: 9, get: (t) => t.status, color: (t) => statusColor(t.status) },
      { header: 'NAME', width: 28, get: (t) => (t.id === markedId ? '◆ ' : '') + t.name },
      { header: 'AGE', width: 8, get: (t) => ago(t.started_at, now) },
      { header: 'DURATION', width: 9, get: (t) => formatDuration(t.duration_ms) },
      { header: 'SPANS', width: 6, get: (t) => String(t.total_spans) },
      { header: 'TOKENS', width: 13, get: (t) => `${t.total_tokens_in}/${t.total_tokens_out}` },
      { header: 'COST', width: 8, get: (t) => formatCost(t.total_cost_usd_decimal) },
      { header: 'ERR', width: 4, get: (t) => (t.error_count ? String(t.error_count) : ''), color: () => 'red' },
      { header: 'SESSION / ID', width: 30, get: (t) => `${t.session_external_id ?? ''} ${t.id}` },
    ]
    return <ListTable rows={traces} columns={cols} cursor={cursor} height={height} width={width} rowKey={(t) => t.id} empty="No traces" />
  }
  const cols: ListColumn<Session>[] = [
    { header: 'SESSION', width: 28, get: (s) => s.external_id },
    { header: 'NAME', width: 30, get: (s) => s.name ?? '' },
    { header: 'USER', width: 10, get: (s) => s.user_id ?? '' },
    { header: 'TRACES', width: 7, get: (s) => String(s.trace_count) },
    { header: 'ACTIVE', width: 9, get: (s) => ago(s.last_activity_at, now) },
    { header: 'ID', width: 36, get: (s) => s.id },
  ]
  return <ListTable rows={sessions} columns={cols} cursor={cursor} height={height} width={width} rowKey={(s) => s.id} empty="No sessions" />
}
