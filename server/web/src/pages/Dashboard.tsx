import { api, type Trace } from '../api.js'
import { ErrorBox, Loading, Stat, Status } from '../components/ui.js'
import { fmtAgo, fmtCost, fmtDuration, fmtInt } from '../format.js'
import { useLoad } from '../hooks.js'
import { UsageChart } from '../components/UsageChart.js'
import { Link, setQuery, useLocation } from '../router.js'

// Overview built from the list endpoints: recent, failed and running traces, recent sessions;
// and cost, traces and failures over time from /api/stats/usage (bucket in the URL).

export function Dashboard() {
  const { query } = useLocation()
  const bucket = query.get('bucket') === 'hour' ? 'hour' : 'day'
  const data = useLoad(
    async () => {
      const [recent, failed, running, sessions, runs] = await Promise.all([
        api.traces({ limit: '12' }),
        api.traces({ status: 'failed', limit: '6' }),
        api.traces({ status: 'running', limit: '6' }),
        api.sessions({ limit: '6' }),
        api.runs({ limit: '6' }).catch(() => undefined),
      ])
      return { recent, failed, running, sessions, runs }
    },
    [window.location.search],
    { pollMs: 10_000 },
  )
  const usage = useLoad(() => api.usage(bucket), [bucket], { pollMs: 30_000 })
  const usageCard = (
    <div className="card" data-testid="usage-card">
      <h3>
        Usage over time{' '}
        <span className="chips" role="group" aria-label="Usage period">
          {(
            [
              ['day', 'Last 7 days'],
              ['hour', 'Last 48 hours'],
            ] as const
          ).map(([b, text]) => (
            <button key={b} className={`chip small ${bucket === b ? 'on' : ''}`} aria-pressed={bucket === b} onClick={() => setQuery({ bucket: b === 'day' ? undefined : b }, { replace: true })}>
              {text}
            </button>
          ))}
        </span>
      </h3>
      <ErrorBox error={usage.error} />
      {usage.data && usage.data.bucket === bucket ? <UsageChart usage={usage.data} /> : usage.error ? null : <Loading />}
    </div>
  )
  if (data.error) return <ErrorBox error={data.error} />
  if (!data.data) return <Loading />
  const { recent, failed, running, sessions, runs } = data.data
  const cost = recent.traces.reduce((a, t) => a + Number(t.total_cost_usd_decimal), 0)
  return (
    <div className="page">
      <div className="page-head">
        <h1>Overview</h1>
      </div>
      <div className="stats-row">
        <Stat label="Traces" value={fmtInt(recent.total)} />
        <Stat label="Failed" value={fmtInt(failed.total)} tone={failed.total ? 'bad' : ''} />
        <Stat label="Running" value={fmtInt(running.total)} />
        <Stat label="Sessions" value={fmtInt(sessions.total)} />
        <Stat label="Cost (recent 12)" value={fmtCost(cost)} />
      </div>
      {usageCard}
      <div className="grid2">
        <TraceCard title="Failed traces" traces={failed.traces} more="/traces?status=failed" />
        <TraceCard title="Running traces" traces={running.traces} more="/traces?status=running" />
        <TraceCard title="Recent traces" traces={recent.traces} more="/traces" />
        <div className="card">
          <h3>
            Recent sessions <Link to="/sessions" className="small">all</Link>
          </h3>
          {sessions.sessions.map((s) => (
            <div key={s.id} className="list-line">
              <Link to={`/sessions/${s.id}`}>{s.name ?? s.external_id}</Link>
              <span className="muted small">
                {s.trace_count} traces {s.user_id ? `· ${s.user_id}` : ''}
              </span>
            </div>
          ))}
          {sessions.sessions.length === 0 ? <div className="muted">No sessions yet.</div> : null}
          {runs ? (
            <>
              <h3>
                Recent engine runs <Link to="/engine/runs" className="small">all</Link>
              </h3>
              {runs.runs.map((r) => (
                <div key={r.run_id} className="list-line">
                  <Link to={`/engine/runs/${r.run_id}`}>{r.definition_name}</Link> <Status value={r.status} />
                  <span className="muted small">{r.instance_key}</span>
                </div>
              ))}
              {runs.runs.length === 0 ? <div className="muted">No engine runs.</div> : null}
            </>
          ) : null}
        </div>
      </div>
    </div>
  )
}

function TraceCard({ title, traces, more }: { title: string; traces: Trace[]; more: string }) {
  return (
    <div className="card">
      <h3>
        {title} <Link to={more} className="small">all</Link>
      </h3>
      {traces.map((t) => (
        <div key={t.id} className="list-line">
          <Link to={`/traces/${t.id}`}>{t.name}</Link> <Status value={t.status} />
          <span className="muted small">
            {fmtDuration(t.duration_ms)} · {fmtAgo(t.started_at)}
          </span>
        </div>
      ))}
      {traces.length === 0 ? <div className="muted">None.</div> : null}
    </div>
  )
}
