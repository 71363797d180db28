import { useState } from 'react'
import { api, type Definition } from '../api.js'
import { useShell } from '../App.js'
import { Empty, ErrorBox, Loading, Modal, Status } from '../components/ui.js'
import { fmtAgo, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link, navigate, setQuery, useLocation, withProject } from '../router.js'
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

function StartRunDialog({ onClose }: { onClose: () => void }) {
  const defs = useLoad(() => api.definitions(), [])
  const [definition, setDefinition] = useState('')
  const [version, setVersion] = useState('')
  const [instanceKey, setInstanceKey] = useState('')
  const [requestKey] = useState(() => `web-${crypto.randomUUID()}`)
  const [input, setInput] = useState('{}')
  const [error, setError] = useState<unknown>()
  const [preflight, setPreflight] = useState<string>()
  const [busy, setBusy] = useState(false)
  let inputError: string | undefined
  try {
    JSON.parse(input || 'null')
  } catch (e) {
    inputError = (e as Error).message
  }
  const choose = (d: Definition) => {
    setDefinition(d.definition_name)
    setVersion(d.definition_version)
  }
  const check = async () => {
    if (!instanceKey.trim()) return setPreflight(undefined)
    try {
      const i = await api.instance(instanceKey.trim())
      setPreflight(`exists (${i.current_run?.status.toLowerCase() ?? i.status}): starting again may conflict`)
    } catch {
      setPreflight('available')
    }
  }
  const submit = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const r = await api.startRun({ definition_name: definition.trim(), definition_version: version.trim(), instance_key: instanceKey.trim(), request_key: requestKey, input: JSON.parse(input || 'null') })
      onClose()
      navigate(withProject(`/engine/runs/${r.run_id}`))
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal
      title="Start a run"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" disabled={busy || !definition.trim() || !version.trim() || !instanceKey.trim() || Boolean(inputError)} onClick={submit}>
            Start
          </button>
        </>
      }
    >
      <div className="form">
        {defs.data?.definitions.length ? (
          <label className="field">
            <span>Registered definitions</span>
            <select
              className="input"
              aria-label="Registered definition"
              value={`${definition}@${version}`}
              onChange={(e) => {
                const d = defs.data!.definitions.find((x) => `${x.definition_name}@${x.definition_version}` === e.target.value)
                if (d) choose(d)
              }}
            >
              <option value="@">choose…</option>
              {defs.data.definitions.map((d) => (
                <option key={`${d.definition_name}@${d.definition_version}`} value={`${d.definition_name}@${d.definition_version}`}>
                  {d.definition_name}@{d.definition_version} {d.live ? '' : '(no live worker)'}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field">
          <span>Definition name</span>
          <input className="input" value={definition} onChange={(e) => setDefinition(e.target.value)} aria-label="Definition name" />
        </label>
        <label className="field">
          <span>Version</span>
          <input className="input" value={version} onChange={(e) => setVersion(e.target.value)} aria-label="Definition version" />
        </label>
        <label className="field">
          <span>Instance key</span>
          <input className="input" value={instanceKey} onChange={(e) => setInstanceKey(e.target.value)} onBlur={check} aria-label="Instance key" />
          {preflight ? <span className="muted small">{preflight}</span> : null}
        </label>
        <label className="field">
          <span>Input (JSON)</span>
          <textarea className="input mono" rows={5} value={input} onChange={(e) => setInput(e.target.value)} aria-label="Input JSON" />
          {inputError ? <span className="text-failed small">{inputError}</span> : null}
        </label>
        <div className="muted small">Request key: {requestKey}</div>
        <ErrorBox error={error} />
      </div>
    </Modal>
  )
}
