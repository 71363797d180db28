import type { HistoryEvent, PendingWork, RunSummary } from '../contract/runs.js'
import { ago, painter, renderTable, type Column, type OutputOptions } from './output.js'

// Human renderings of engine runs for the runs commands.

export function paintStatus(status: string, color: boolean): string {
  const p = painter(color)
  if (status === 'COMPLETED') return p.green(status)
  if (status === 'FAILED' || status === 'TERMINATED' || status === 'QUARANTINED') return p.red(status)
  if (status === 'RUNNING' || status === 'QUEUED') return p.blue(status)
  if (status === 'WAITING' || status === 'SUSPENDED') return p.yellow(status)
  return status
}

export function waitText(w: unknown): string {
  if (w === undefined || w === null) return ''
  if (typeof w === 'string') return w
  const o = w as Record<string, unknown>
  const kind = String(o.kind ?? o.type ?? 'wait')
  const what = o.signal_name ?? o.name ?? o.activity_type ?? o.until ?? o.due_at ?? o.key
  return what !== undefined ? `${kind} ${String(what)}` : kind
}

export function runsTable(runs: RunSummary[], o: OutputOptions, now = Date.now()): string {
  const cols: Column<RunSummary>[] = [
    { header: 'RUN', get: (r) => r.run_id },
    { header: 'STATUS', get: (r) => r.status, paint: (t) => paintStatus(t, o.color) },
    { header: 'DEFINITION', get: (r) => `${r.definition_name}@${r.definition_version}` },
    { header: 'INSTANCE KEY', get: (r) => r.instance_key, flex: true },
    { header: 'WAITING ON', get: (r) => waitText(r.wait_state) },
    { header: o.tty ? 'AGE' : 'CREATED', get: (r) => (o.tty ? ago(r.created_at, now) : r.created_at) },
  ]
  return renderTable(runs, cols, o)
}

export function runDetail(run: RunSummary, pending: PendingWork | undefined, children: RunSummary[], o: OutputOptions): string {
  const p = painter(o.color)
  const line = (k: string, v: string | undefined) => (v ? `${p.bold(k.padEnd(14))} ${v}\n` : '')
  let out = ''
  out += line('run', run.run_id)
  out += line('status', paintStatus(run.status, o.color))
  out += line('definition', `${run.definition_name}@${run.definition_version}`)
  out += line('instance key', run.instance_key)
  out += line('run number', String(run.run_number))
  out += line('created', run.created_at)
  out += line('completed', run.completed_at)
  out += line('waiting on', waitText(run.wait_state))
  out += line('custom status', run.custom_status !== undefined ? JSON.stringify(run.custom_status) : undefined)
  out += line('trace', `engine:${run.run_id}`)
  out += line('parent', run.parent_run_id)
  if (run.root_run_id !== run.run_id) out += line('root', run.root_run_id)
  out += line('continued from', run.continued_from_run_id)
  out += line('continued to', run.continued_to_run_id)
  if (pending) {
    const parts = [
      ...pending.activities.map((a) => `activity ${a.activity_type} (${a.status}, attempt ${a.attempt_count})`),
      ...pending.timers.map((t) => `timer ${t.timer_key} at ${t.available_at}`),
      ...pending.signals.map((s) => `signal ${s.signal_name} (undelivered)`),
    ]
    out += line('pending work', parts.length ? parts.join('\n' + ' '.repeat(15)) : 'none')
  }
  if (run.status === 'COMPLETED') out += line('result', JSON.stringify(run.result))
  if (run.failure) out += line('failure', p.red(`${run.failure.error_code}: ${run.failure.error_message}`))
  if (children.length) out += line('children', children.map((c) => `${c.run_id} ${paintStatus(c.status, o.color)} ${c.definition_name}`).join('\n' + ' '.repeat(15)))
  return out
}

export function historyTable(events: HistoryEvent[], o: OutputOptions): string {
  const cols: Column<HistoryEvent>[] = [
    { header: 'SEQ', get: (e) => String(e.sequence_no) },
    { header: 'TIME', get: (e) => e.created_at },
    { header: 'EVENT', get: (e) => e.event_type, paint: (t) => (/fail|terminat|cancel/.test(t) ? painter(o.color).red(t) : t) },
    { header: 'PAYLOAD', get: (e) => (e.payload === null || e.payload === undefined ? '' : JSON.stringify(e.payload)), flex: true },
  ]
  return renderTable(events, cols, o)
}
