import { useState } from 'react'
import { api, type BackfillRequest, type BackfillResult } from '../api.js'
import { useShell } from '../App.js'
import { ErrorBox, Stat } from '../components/ui.js'
import { Link } from '../router.js'

// Projection backfill: pick terminal runs whose debugger projection is missing or partial, preview
// them with a dry run (the default), then apply to request a repair of each.

const RUN_STATUSES = ['', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new']
const PROJECTION_STATES = ['summary_only', 'catching_up', 'journal_expired', 'up_to_date'] as const

export function EngineProjections() {
  const shell = useShell()
  const [limit, setLimit] = useState('50')
  const [olderThan, setOlderThan] = useState('')
  const [instanceKey, setInstanceKey] = useState('')
  const [definition, setDefinition] = useState('')
  const [runStatus, setRunStatus] = useState('')
  const [projectionState, setProjectionState] = useState<(typeof PROJECTION_STATES)[number]>('summary_only')
  const [dryRun, setDryRun] = useState(true)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  const [result, setResult] = useState<BackfillResult>()
  const n = Number(limit)
  const limitOk = Number.isInteger(n) && n >= 1 && n <= 100
  const olderIso = olderThan ? new Date(olderThan).toISOString() : undefined
  const body = (dry: boolean): BackfillRequest => ({
    dry_run: dry,
    limit: n,
    older_than: olderIso,
    engine_instance_key: instanceKey.trim() || undefined,
    engine_definition_name: definition.trim() || undefined,
    engine_run_status: runStatus || undefined,
    engine_projection_state: projectionState,
  })
  const run = async (dry: boolean) => {
    setBusy(true)
    setError(undefined)
    try {
      setResult(await api.backfill(body(dry)))
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="page">
      <div className="page-head">
        <Link to="/settings" className="muted">
          ← Settings
        </Link>
        <h1>Engine projections</h1>
        <div className="spacer" />
        <Link to="/tools/engine-health" className="small">
          Engine health
        </Link>
      </div>
      <p className="muted">Repairs the debugger projection (trace spans and events) of terminal runs from their engine history. A dry run lists what would be repaired without changing anything.</p>
      <form
        className="filters"
        aria-label="Backfill"
        onSubmit={(e) => {
          e.preventDefault()
          void run(dryRun)
        }}
      >
        <label className="field">
          <span>Projection state</span>
          <select className="input small" aria-label="Projection state" value={projectionState} onChange={(e) => setProjectionState(e.target.value as typeof projectionState)}>
            {PROJECTION_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Run status</span>
          <select className="input small" aria-label="Run status" value={runStatus} onChange={(e) => setRunStatus(e.target.value)}>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any terminal'}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Definition</span>
          <input className="input small" aria-label="Definition" value={definition} onChange={(e) => setDefinition(e.target.value)} />
        </label>
        <label className="field">
          <span>Instance key</span>
          <input className="input small" aria-label="Instance key" value={instanceKey} onChange={(e) => setInstanceKey(e.target.value)} />
        </label>
        <label className="field">
          <span>Closed before</span>
          <input className="input small" type="datetime-local" aria-label="Older than" value={olderThan} onChange={(e) => setOlderThan(e.target.value)} />
        </label>
        <label className="field">
          <span>Limit (1–100)</span>
          <input className="input small" type="number" min={1} max={100} aria-label="Limit" value={limit} onChange={(e) => setLimit(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run
        </label>
        <button className="btn primary" type="submit" disabled={busy || !limitOk || (!dryRun && shell.readOnly)}>
          {dryRun ? 'Preview' : 'Backfill'}
        </button>
      </form>
      {!limitOk ? <div className="banner warn">The limit must be a whole number from 1 to 100.</div> : null}
      <ErrorBox error={error} />
      {result ? (
        <>
          <div className="stats-row" data-testid="backfill-summary">
            <Stat label="Mode" value={result.dry_run ? 'dry run' : 'applied'} />
            <Stat label="Eligible" value={result.eligible_count} />
            <Stat label="Repair requested" value={result.repair_requested_count} />
            <Stat label="Skipped" value={result.skipped_count} />
          </div>
          {result.dry_run && result.results.length && !shell.readOnly ? (
            <div className="row">
              <button className="btn primary" disabled={busy} onClick={() => void run(false)}>
                Apply to {result.results.length} run{result.results.length === 1 ? '' : 's'}
              </button>
            </div>
          ) : null}
          <div className="table-wrap">
            <table className="table" data-testid="backfill-table">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Trace</th>
                  <th>Projection state</th>
                  <th>Action</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {result.results.map((r) => (
                  <tr key={r.run_id}>
                    <td className="mono">
                      <Link to={`/engine/runs/${r.run_id}`}>{r.run_id.slice(0, 8)}</Link>
                    </td>
                    <td className="mono">
                      <Link to={`/traces?q=${encodeURIComponent(r.trace_id)}`}>{r.trace_id.slice(0, 20)}</Link>
                    </td>
                    <td>{r.projection_state}</td>
                    <td>{r.action}</td>
                    <td className="muted">{r.reason ?? '—'}</td>
                  </tr>
                ))}
                {result.results.length === 0 ? (
                  <tr>
                    <td colSpan={5} className="muted">
                      No run matches.
                    </td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  )
}
