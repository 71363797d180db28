import { useState } from 'react'
import { api, type HistoryEvent, type PurgeRequest, type RunSummary } from '../api.js'
import { useShell } from '../App.js'
import { JsonView } from '../components/JsonView.js'
import { RunLifecycle } from '../components/EngineViews.js'
import { RerunDialog } from '../components/StartRunDialog.js'
import { Confirm, CopyButton, ErrorBox, JsonField, jsonError, Loading, Modal, Stat, Status } from '../components/ui.js'
import { fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link } from '../router.js'
import { waitText } from './Runs.js'

// One durable run: state, wait, pending work, history, children and continuation lineage, with
// Signal / Suspend / Resume / Cancel / Terminate controls (each confirmed), and Run again (a new
// run of the same definition, version and input; not in demo mode).

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW'])
type Action = 'suspend' | 'resume' | 'cancel' | 'terminate'

export function RunDetail({ id, embedded }: { id: string; embedded?: boolean }) {
  const shell = useShell()
  const run = useLoad(() => api.run(id), [id], { pollMs: 2000 })
  const terminal = run.data ? TERMINAL.has(run.data.status) : false
  const pending = useLoad(run.data && !terminal ? () => api.pendingWork(id) : undefined, [id, run.data?.updated_at, terminal])
  const children = useLoad(() => api.runs({ parent_run_id: id, limit: '50' }), [id, run.data?.updated_at])
  const trace = useLoad(() => api.traces({ q: `engine:${id}`, limit: '1' }), [id])
  const [action, setAction] = useState<Action>()
  const [signal, setSignal] = useState(false)
  const [toast, setToast] = useState<string>()
  const [purging, setPurging] = useState(false)
  const [rerun, setRerun] = useState(false)
  const [purgeMode, setPurgeMode] = useState<PurgeRequest['mode']>('projection_only')
  const [projectionNote, setProjectionNote] = useState<{ text: string; ok: boolean }>()
  if (run.error) return <ErrorBox error={run.error} />
  if (!run.data) return <Loading />
  const r = run.data
  const projected = trace.data?.traces.find((t) => t.trace_id === `engine:${id}`)
  const done = (msg: string) => {
    setToast(msg)
    run.reload()
    setTimeout(() => setToast(undefined), 4000)
  }
  const repair = async () => {
    try {
      const res = await api.repair(id)
      setProjectionNote({ ok: res.accepted, text: `Repair ${res.accepted ? 'requested' : 'not needed'}: ${res.reason} · projection ${res.projection_state}` })
    } catch (e) {
      setProjectionNote({ ok: false, text: `Repair failed: ${(e as Error).message}` })
    }
    run.reload()
  }
  const can = (a: Action | 'signal') =>
    !shell.readOnly &&
    !terminal &&
    (a === 'suspend' ? ['QUEUED', 'WAITING'].includes(r.status) : a === 'resume' ? ['SUSPENDED', 'QUARANTINED'].includes(r.status) : true)
  return (
    <div className="page">
      <div className="page-head">
        {embedded ? null : (
          <Link to="/engine/runs" className="muted">
            ← Runs
          </Link>
        )}
        {embedded ? <h2>{r.instance_key}</h2> : <h1>{r.instance_key}</h1>}
        <span data-testid="run-status">
          <Status value={r.status} />
        </span>
        <CopyButton text={r.run_id} label="Copy run id" />
        {projected && !embedded ? <Link to={`/traces/${projected.id}`}>Open trace</Link> : null}
        {embedded ? <Link to={`/engine/runs/${id}`}>Open run page</Link> : null}
      </div>
      <div className="controls row">
        <button className="btn" disabled={!can('signal')} onClick={() => setSignal(true)}>
          Signal
        </button>
        <button className="btn" disabled={!can('suspend')} onClick={() => setAction('suspend')}>
          Suspend
        </button>
        <button className="btn" disabled={!can('resume')} onClick={() => setAction('resume')}>
          Resume
        </button>
        <button className="btn" disabled={!can('cancel')} onClick={() => setAction('cancel')}>
          Cancel
        </button>
        <button className="btn danger" disabled={!can('terminate')} onClick={() => setAction('terminate')}>
          Terminate
        </button>
        <button className="btn" disabled={shell.readOnly || !terminal} title={terminal ? 'Re-project the run from its history' : 'Only closed runs can be repaired'} onClick={() => void repair()}>
          Repair
        </button>
        <button className="btn danger" disabled={shell.readOnly || !terminal} title={terminal ? 'Delete the projection (or the journal too)' : 'Only closed runs can be purged'} onClick={() => setPurging(true)}>
          Purge
        </button>
        {!shell.readOnly ? (
          <button className="btn" title="Start a new run of this definition and version with this run's input" onClick={() => setRerun(true)}>
            Run again
          </button>
        ) : null}
        {toast ? (
          <span className="toast" role="status">
            {toast}
          </span>
        ) : null}
      </div>
      {projectionNote ? (
        <div className={`banner ${projectionNote.ok ? 'demo' : 'warn'}`} role="status" data-testid="projection-note">
          {projectionNote.text}
        </div>
      ) : null}
      {r.status === 'QUARANTINED' ? <div className="banner error">Quarantined: replay did not match the recorded history. {r.failure?.error_message}</div> : null}
      <div className="stats-row">
        <Stat label="Definition" value={`${r.definition_name}@${r.definition_version}`} />
        <Stat label="Run" value={`#${r.run_number}`} />
        <Stat label="Waiting on" value={<span data-testid="wait-state">{waitText(r.wait_state)}</span>} />
        <Stat label="Pending" value={`${r.pending_work.pending_activity_tasks} activities · ${r.pending_work.pending_inbox_items} inbox`} />
        <Stat label="Created" value={fmtTime(r.created_at)} />
        <Stat label="Closed" value={fmtTime(r.completed_at)} />
        <Stat label="Projection" value={<span data-testid="projection-state">{r.projection_state}</span>} />
      </div>
      <div className="grid2">
        <div className="card">
          <h3>Lineage</h3>
          <dl className="kv">
            <dt>Root run</dt>
            <dd>{r.root_run_id === r.run_id ? 'this run' : <Link to={`/engine/runs/${r.root_run_id}`}>{r.root_run_id.slice(0, 8)}</Link>}</dd>
            <dt>Parent</dt>
            <dd>{r.parent_run_id ? <Link to={`/engine/runs/${r.parent_run_id}`}>{r.parent_run_id.slice(0, 8)}</Link> : '—'}</dd>
            <dt>Continued from</dt>
            <dd>{r.continued_from_run_id ? <Link to={`/engine/runs/${r.continued_from_run_id}`}>{r.continued_from_run_id.slice(0, 8)}</Link> : '—'}</dd>
            <dt>Continued as</dt>
            <dd>{r.continued_to_run_id ? <Link to={`/engine/runs/${r.continued_to_run_id}`}>{r.continued_to_run_id.slice(0, 8)}</Link> : '—'}</dd>
          </dl>
          <h3>Children</h3>
          {children.data?.runs.length ? (
            children.data.runs.map((c: RunSummary) => (
              <div key={c.run_id} className="list-line">
                <Link to={`/engine/runs/${c.run_id}`}>{c.instance_key}</Link> <Status value={c.status} /> <span className="muted small">{c.definition_name}</span>
              </div>
            ))
          ) : (
            <div className="muted">No child runs.</div>
          )}
        </div>
        <div className="card">
          <h3>Pending work</h3>
          {terminal ? <div className="muted">The run is closed.</div> : null}
          {pending.data ? (
            <>
              {pending.data.activities.map((a) => (
                <div key={a.task_id} className="list-line small">
                  activity <strong>{a.activity_type}</strong> ({a.status}, attempt {a.attempt_count}
                  {a.claimed_by ? `, claimed by ${a.claimed_by}` : ''}) at {fmtTime(a.available_at)}
                </div>
              ))}
              {pending.data.timers.map((t) => (
                <div key={t.inbox_id} className="list-line small">
                  timer <strong>{t.timer_key}</strong> due {fmtTime(t.available_at)}
                </div>
              ))}
              {pending.data.signals.map((s) => (
                <div key={s.inbox_id} className="list-line small">
                  signal <strong>{s.signal_name}</strong> ({s.status})
                </div>
              ))}
              {!pending.data.activities.length && !pending.data.timers.length && !pending.data.signals.length ? <div className="muted">Nothing pending.</div> : null}
            </>
          ) : null}
          {r.result !== undefined ? (
            <>
              <h3>Result</h3>
              <JsonView value={r.result} name="result" />
            </>
          ) : null}
          {r.failure ? (
            <>
              <h3>Failure</h3>
              <div className="error-box">
                <code>{r.failure.error_code}</code> {r.failure.error_message}
              </div>
            </>
          ) : null}
        </div>
      </div>
      <RunLifecycle runId={id} status={r.status} version={r.updated_at} />
      <History id={id} version={r.updated_at} />
      {rerun ? <RerunDialog run={r} onClose={() => setRerun(false)} /> : null}
      {purging ? (
        <Confirm
          title="Purge this run?"
          message={
            <div className="form">
              <p>Purging deletes the run's projected spans and events from the debugger (the trace summary stays). A full purge also deletes the engine journal, so the run can no longer be repaired.</p>
              <label className="field">
                <span>Mode</span>
                <select className="input" aria-label="Purge mode" value={purgeMode} onChange={(e) => setPurgeMode(e.target.value as PurgeRequest['mode'])}>
                  <option value="projection_only">projection_only: the debugger projection</option>
                  <option value="full">full: the projection and the engine journal</option>
                </select>
              </label>
            </div>
          }
          confirmLabel="Purge run"
          danger
          onConfirm={async () => {
            const res = await api.purge(id, { mode: purgeMode })
            setProjectionNote({ ok: true, text: `Purged (${res.mode}): projection ${res.projection_state}${res.deleted ? '' : ' · nothing to delete'}` })
            run.reload()
          }}
          onClose={() => setPurging(false)}
        />
      ) : null}
      {action ? (
        <Confirm
          title={`${action[0]!.toUpperCase()}${action.slice(1)} this run?`}
          message={
            action === 'terminate'
              ? 'Terminate stops the run (and its children) at once, without cleanup. This cannot be undone.'
              : action === 'cancel'
                ? 'Cancel asks the workflow to stop; it can run its cleanup.'
                : action === 'suspend'
                  ? 'A suspended run is not scheduled until it is resumed.'
                  : 'The run is queued again.'
          }
          confirmLabel={`${action[0]!.toUpperCase()}${action.slice(1)} run`}
          danger={action === 'terminate' || action === 'cancel'}
          onConfirm={async () => {
            await api.control(id, action)
            done(`${action} requested`)
          }}
          onClose={() => setAction(undefined)}
        />
      ) : null}
      {signal ? <SignalDialog id={id} onClose={() => setSignal(false)} onDone={(wake) => done(`Signal sent${wake ? '; the run was woken' : ''}`)} /> : null}
    </div>
  )
}

function SignalDialog({ id, onClose, onDone }: { id: string; onClose: () => void; onDone: (wake: boolean) => void }) {
  const [name, setName] = useState('')
  const [payload, setPayload] = useState('{}')
  const [error, setError] = useState<unknown>()
  const [confirming, setConfirming] = useState(false)
  const parseError = jsonError(payload)
  return (
    <Modal
      title="Send a signal"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          {confirming ? (
            <button
              className="btn primary"
              onClick={async () => {
                try {
                  const r = await api.control(id, 'signal', { signal_name: name.trim(), payload: JSON.parse(payload || 'null') })
                  onClose()
                  onDone(Boolean(r.wake_applied))
                } catch (e) {
                  setError(e)
                  setConfirming(false)
                }
              }}
            >
              Confirm: send "{name.trim()}"
            </button>
          ) : (
            <button className="btn primary" disabled={!name.trim() || Boolean(parseError)} onClick={() => setConfirming(true)}>
              Send
            </button>
          )}
        </>
      }
    >
      <div className="form">
        <label className="field">
          <span>Signal name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="Signal name" autoFocus />
        </label>
        <JsonField label="Payload (JSON)" ariaLabel="Signal payload" value={payload} onChange={setPayload} />
        <ErrorBox error={error} />
      </div>
    </Modal>
  )
}

function History({ id, version }: { id: string; version: string }) {
  const [pages, setPages] = useState(1)
  const data = useLoad(async () => {
    const out: HistoryEvent[] = []
    let after = 0
    let more = false
    let expired = false
    for (let i = 0; i < pages; i++) {
      const p = await api.history(id, after)
      out.push(...p.events)
      more = p.has_more
      expired = p.expired
      if (!p.has_more || p.next_after === undefined) break
      after = p.next_after
    }
    return { events: out, more, expired }
  }, [id, version, pages])
  const [open, setOpen] = useState<number>()
  return (
    <div className="card">
      <h3>History</h3>
      {data.data?.expired ? <div className="banner warn">The journal of this run has been purged.</div> : null}
      <div className="scroll-x">
        <table className="table small" data-testid="history">
          <thead>
            <tr>
              <th>#</th>
              <th>Event</th>
              <th>At</th>
              <th>Payload</th>
            </tr>
          </thead>
          <tbody>
            {data.data?.events.map((e) => (
              <tr key={e.id} onClick={() => setOpen(open === e.sequence_no ? undefined : e.sequence_no)} className="clickable">
                <td>{e.sequence_no}</td>
                <td className="mono">{e.event_type}</td>
                <td>{fmtTime(e.created_at)}</td>
                <td>{open === e.sequence_no ? <JsonView value={e.payload} name="payload" /> : <span className="mono muted ellipsis">{JSON.stringify(e.payload)?.slice(0, 100)}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.data?.more ? (
        <button className="btn small" onClick={() => setPages(pages + 1)}>
          Load more
        </button>
      ) : null}
    </div>
  )
}
