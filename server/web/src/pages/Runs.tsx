import { useState } from 'react'
import { api } from '../api.js'
import { useShell } from '../App.js'
import { StartRunDialog } from '../components/StartRunDialog.js'
import { Empty, ErrorBox, Loading, Status } from '../components/ui.js'
import { fmtAgo, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link, setQuery, useLocation } from '../router.js'
import { DraftInput } from './Traces.js'

// Durable engine runs: filters in the URL, refreshed every 5 s, and a dialog to start a run.

const STATUSES = ['', 'queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new']

export function waitText(w: unknown): string {
  if (!w) return '—'
  if (typeof w === 'string') return w
  const o = w as Record<string, unknown>
  const kind = String(o.kind ?? o.type ?? 'wait')
  const what = o.signal_name ?? o.name ?? o.timer_key ?? o.activity_type ?? o.until ?? ''
  return `${kind}${what ? `: ${String(what)}` : ''}`
}

export function Runs() {
  const { query } = useLocation()
  const shell = useShell()
  const f = Object.fromEntries(['status', 'definition_name', 'instance_key', 'cursor'].map((k) => [k, query.get(k) ?? undefined]))
  const list = useLoad(() => api.runs({ ...f, limit: '50' }), [query.toString()], { pollMs: shell.readOnly ? undefined : 5000 })
  const [starting, setStarting] = useState(false)
  const runs = list.data?.runs ?? []
  return (
    <div className="page">
      <div className="page-head">
        <h1>Engine runs</h1>
        <Link to="/tools/engine-health" className="small">
          Engine health
        </Link>
        <div className="spacer" />
        {!shell.readOnly ? (
          <button className="btn primary" onClick={() => setStarting(true)}>
            Start run
          </button>
        ) : null}
      </div>
      <div className="filters">
        <select className="input small" aria-label="Run status" value={f.status ?? ''} onChange={(e) => setQuery({ status: e.target.value || undefined, cursor: undefined })}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'any status'}
            </option>
          ))}
        </select>
        <DraftInput name="definition_name" label="Definition" value={f.definition_name} />
        <DraftInput name="instance_key" label="Instance key" value={f.instance_key} />
      </div>
      <ErrorBox error={list.error} />
      {!list.data && list.loading ? <Loading /> : null}
      {list.data && !runs.length ? <Empty>No engine runs. Start one, or run a worker with `continua worker --workflows`.</Empty> : null}
      {runs.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>Definition</th>
                <th>Status</th>
                <th>Waiting on</th>
                <th>Pending work</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.run_id}>
                  <td>
                    <Link to={`/engine/runs/${r.run_id}`} className="strong">
                      {r.instance_key}
                    </Link>
                    <div className="muted small mono">
                      {r.run_id.slice(0, 8)} · run #{r.run_number}
                    </div>
                  </td>
                  <td>
                    {r.definition_name} <span className="muted small">{r.definition_version}</span>
                  </td>
                  <td>
                    <Status value={r.status} />
                  </td>
                  <td className="small">{waitText(r.wait_state)}</td>
                  <td className="small" title={`${r.pending_work.pending_activity_tasks} activities, ${r.pending_work.pending_inbox_items} inbox items`}>
                    {r.pending_work.pending_activity_tasks + r.pending_work.pending_inbox_items || '—'}
                  </td>
                  <td title={fmtTime(r.updated_at)}>{fmtAgo(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="pager">
        {f.cursor ? (
          <button className="btn small" onClick={() => setQuery({ cursor: undefined })}>
            First page
          </button>
        ) : null}
        {list.data?.next_cursor ? (
          <button className="btn small" onClick={() => setQuery({ cursor: list.data!.next_cursor! })}>
            Next
          </button>
        ) : null}
      </div>
      {starting ? <StartRunDialog onClose={() => setStarting(false)} /> : null}
    </div>
  )
}
