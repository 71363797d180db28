import { api } from '../api.js'
import { ErrorBox, Loading, Stat, Status } from '../components/ui.js'
import { fmtAgo } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link } from '../router.js'

// Engine health: queue depths and the workers with their heartbeats and leases.

export function EngineHealth() {
  const health = useLoad(() => api.engineHealth(), [window.location.search], { pollMs: 5000 })
  if (health.error) return <ErrorBox error={health.error} />
  if (!health.data) return <Loading />
  const h = health.data
  return (
    <div className="page">
      <div className="page-head">
        <Link to="/engine/runs" className="muted">
          ← Runs
        </Link>
        <h1>Engine health</h1>
        <span className="live-dot">every 5 s</span>
        <div className="spacer" />
        <Link to="/tools/engine-projections" className="small">
          Projection backfill
        </Link>
      </div>
      <div className="stats-row">
        <Stat label="Runs ready" value={h.queues.runs_ready} />
        <Stat label="Activity tasks pending" value={h.queues.activity_tasks_pending} />
        <Stat label="Signals pending" value={h.queues.inbox_pending} />
        <Stat label="Workers" value={h.workers.length} />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="workers-table">
          <thead>
            <tr>
              <th>Worker</th>
              <th>Status</th>
              <th>Last heartbeat</th>
              <th className="num">Active leases</th>
            </tr>
          </thead>
          <tbody>
            {h.workers.map((w) => (
              <tr key={w.id}>
                <td className="mono">{w.id}</td>
                <td>
                  <Status value={w.status === 'active' ? 'ok' : 'waiting'} /> {w.status}
                </td>
                <td>{fmtAgo(w.last_claim_at)}</td>
                <td className="num">{w.active_leases}</td>
                <td className="num">{w.expired_leases}</td>
              </tr>
            ))}
            {h.workers.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  No worker is running. Start one with `continua worker --workflows &lt;module&gt;`.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  )
}
