import { useState } from 'react'
import { api, type SessionNarrative } from '../api.js'
import { JsonView } from '../components/JsonView.js'
import { CopyButton, ErrorBox, Loading, Stat, Status, Tabs } from '../components/ui.js'
import { download, fmtCost, fmtDuration, fmtInt, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link, navigate, setQuery, useLocation, withProject } from '../router.js'

// Session: the journey (traces oldest first, with lineage and semantic highlights), the trace
// table with baseline/candidate picks for compare, and the session's context.

type Tab = 'journey' | 'traces' | 'context' | 'feedback'

export function SessionDetail({ id }: { id: string }) {
  const { query } = useLocation()
  const data = useLoad(async () => {
    const [session, narrative] = await Promise.all([api.session(id), api.narrative(id)])
    return { session, narrative }
  }, [id])
  const tab = (query.get('tab') as Tab) || 'journey'
  const baseline = query.get('baseline') ?? undefined
  const candidate = query.get('candidate') ?? undefined
  const [statusFilter, setStatusFilter] = useState('all')
  if (data.error) return <ErrorBox error={data.error} />
  if (!data.data) return <Loading />
  const { session, narrative } = data.data
  const s = narrative.summary
  const traces = narrative.traces
  const done = s.completed_trace_count + s.failed_trace_count
  const pick = (role: 'baseline' | 'candidate', traceId: string) => setQuery({ [role]: traceId }, { replace: true })
  return (
    <div className="page">
      <div className="page-head">
        <Link to="/sessions" className="muted">
          ← Sessions
        </Link>
        <h1>{session.name ?? session.external_id}</h1>
        <CopyButton text={session.id} label="Copy id" />
        <div className="spacer" />
        <button className="btn small" onClick={() => download(`session-${session.external_id}.json`, JSON.stringify(data.data, null, 2))}>
          Export
        </button>
      </div>
      <div className="stats-row">
        <Stat label="Traces" value={fmtInt(s.total_trace_count)} />
        <Stat label="Success rate" value={done ? `${Math.round((s.completed_trace_count / done) * 100)}%` : '—'} />
        <Stat label="Tokens" value={fmtInt(s.total_tokens_in + s.total_tokens_out)} />
        <Stat label="Cost" value={fmtCost(s.total_cost_usd_decimal)} />
        <Stat label="Failed" value={s.failed_trace_count} tone={s.failed_trace_count ? 'bad' : ''} />
        <Stat label="User" value={session.user_id ?? '—'} />
      </div>
      <Tabs<Tab>
        tabs={[
          ['journey', 'Journey'],
          ['traces', 'Traces'],
          ['context', 'Context'],
          ['feedback', 'Feedback'],
        ]}
        value={tab}
        onChange={(t) => setQuery({ tab: t === 'journey' ? undefined : t }, { replace: true })}
      />
      {tab === 'journey' ? (
        <div className="side-grid">
        <div className="journey">
          <div className="chips">
            {['all', 'COMPLETED', 'FAILED', 'RUNNING'].map((v) => (
              <button key={v} className={`chip ${statusFilter === v ? 'on' : ''}`} onClick={() => setStatusFilter(v)}>
                {v.toLowerCase()}
              </button>
            ))}
          </div>
          {traces
            .filter((t) => statusFilter === 'all' || t.status === statusFilter)
            .map((t, i) => (
              <div key={t.id} className={`card step ${t.status === 'FAILED' ? 'failed' : ''}`}>
                <div className="row">
                  <span className="step-no">{i + 1}</span>
                  <Link to={`/traces/${t.id}`} className="strong">
                    {t.name}
                  </Link>
                  <Status value={t.status} />
                  <span className="muted small">
                    {fmtTime(t.started_at)} · {fmtDuration(t.duration_ms)} · {fmtCost(t.total_cost_usd_decimal)}
                  </span>
                  {t.lineage.type !== 'unlinked' ? (
                    <span className="badge st-other small" title={t.lineage.link_kind}>
                      {t.lineage.type} link from {traces.find((p) => p.trace_id === t.lineage.parent_trace_id || p.id === t.lineage.parent_trace_id)?.name ?? t.lineage.parent_trace_id}
                    </span>
                  ) : null}
                  <div className="spacer" />
                  {(() => {
                    const parent = t.lineage.type !== 'unlinked' ? traces.find((p) => p.trace_id === t.lineage.parent_trace_id || p.id === t.lineage.parent_trace_id) : undefined
                    return parent && parent.status !== 'RUNNING' && t.status !== 'RUNNING' ? (
                      <button className="btn small" onClick={() => navigate(withProject(`/sessions/${id}/compare?baseline_trace_id=${parent.id}&candidate_trace_id=${t.id}`))}>
                        Compare to parent
                      </button>
                    ) : null
                  })()}
                  <PickButtons id={t.id} status={t.status} baseline={baseline} candidate={candidate} pick={pick} />
                </div>
                <div className="semantic small">
                  {t.semantic_events.slice(0, 6).map((e) => (
                    <span key={e.id} className="badge st-other small">
                      {e.event_type}: {e.event_type === 'decision' ? String(e.payload?.chosen ?? '') : e.event_type === 'wait' ? String(e.payload?.wait_kind ?? '') : String(e.payload?.effect_id ?? e.payload?.key ?? e.payload?.label ?? '')}
                    </span>
                  ))}
                </div>
              </div>
            ))}
        </div>
        <SidePanel narrative={narrative} />
        </div>
      ) : null}
      {tab === 'feedback' ? <Feedback metadata={session.metadata} /> : null}
      {tab === 'traces' ? (
        <table className="table">
          <thead>
            <tr>
              <th>Trace</th>
              <th>Status</th>
              <th>Started</th>
              <th className="num">Duration</th>
              <th className="num">Cost</th>
              <th>Compare</th>
            </tr>
          </thead>
          <tbody>
            {traces.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/traces/${t.id}`}>{t.name}</Link>
                </td>
                <td>
                  <Status value={t.status} />
                </td>
                <td>{fmtTime(t.started_at)}</td>
                <td className="num">{fmtDuration(t.duration_ms)}</td>
                <td className="num">{fmtCost(t.total_cost_usd_decimal)}</td>
                <td>
                  <PickButtons id={t.id} status={t.status} baseline={baseline} candidate={candidate} pick={pick} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {tab === 'context' ? (
        <div className="card">
          <dl className="kv">
            <dt>Id</dt>
            <dd className="mono">{session.id}</dd>
            <dt>External id</dt>
            <dd className="mono">{session.external_id}</dd>
            <dt>User</dt>
            <dd>{session.user_id ?? '—'}</dd>
            <dt>Created</dt>
            <dd>{fmtTime(session.created_at)}</dd>
          </dl>
          <JsonView value={session.metadata} name="metadata" />
        </div>
      ) : null}
      {baseline || candidate ? (
        <div className="compare-bar card">
          <span>
            Baseline: <strong>{traces.find((t) => t.id === baseline)?.name ?? '—'}</strong>
          </span>
          <span>
            Candidate: <strong>{traces.find((t) => t.id === candidate)?.name ?? '—'}</strong>
          </span>
          <button className="btn primary" disabled={!baseline || !candidate || baseline === candidate} onClick={() => navigate(withProject(`/sessions/${id}/compare?baseline_trace_id=${baseline}&candidate_trace_id=${candidate}`))}>
            Compare
          </button>
        </div>
      ) : null}
    </div>
  )
}

function PickButtons({ id, status, baseline, candidate, pick }: { id: string; status: string; baseline?: string; candidate?: string; pick: (r: 'baseline' | 'candidate', id: string) => void }) {
  const disabled = status === 'RUNNING'
  return (
    <span className="row">
      <button className={`btn small ${baseline === id ? 'primary' : ''}`} disabled={disabled} onClick={() => pick('baseline', id)} title="Use as baseline">
        Base
      </button>
      <button className={`btn small ${candidate === id ? 'primary' : ''}`} disabled={disabled} onClick={() => pick('candidate', id)} title="Use as candidate">
        Cand
      </button>
    </span>
  )
}

function percentile(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Status split, usage, latency by trace with percentiles, and how the traces are linked. */
function SidePanel({ narrative }: { narrative: SessionNarrative }) {
  const s = narrative.summary
  const byLatency = narrative.traces.filter((t) => t.duration_ms !== undefined).sort((a, b) => b.duration_ms! - a.duration_ms!)
  const sorted = byLatency.map((t) => t.duration_ms!).sort((a, b) => a - b)
  const max = byLatency[0]?.duration_ms ?? 1
  const total = Math.max(1, s.total_trace_count)
  return (
    <div className="card">
      <h3>Status</h3>
      <div className="hbar" style={{ display: 'flex' }}>
        <div style={{ width: `${(s.completed_trace_count / total) * 100}%`, background: 'var(--ok)' }} title="completed" />
        <div style={{ width: `${(s.failed_trace_count / total) * 100}%`, background: 'var(--bad)' }} title="failed" />
        <div style={{ width: `${(s.running_trace_count / total) * 100}%`, background: 'var(--run)' }} title="running" />
      </div>
      <div className="small">
        {s.completed_trace_count} completed · {s.failed_trace_count} failed · {s.running_trace_count} running
      </div>
      <h3>Usage</h3>
      <div className="small">
        {fmtInt(s.total_tokens_in)} tokens in · {fmtInt(s.total_tokens_out)} out · {fmtCost(s.total_cost_usd_decimal)}
      </div>
      <h3>Latency by trace</h3>
      <div className="small muted">
        p50 {fmtDuration(percentile(sorted, 50))} · p95 {fmtDuration(percentile(sorted, 95))}
      </div>
      {byLatency.slice(0, 10).map((t) => (
        <div key={t.id} className="bar-line">
          <Link to={`/traces/${t.id}`} className="ellipsis small">
            {t.name}
          </Link>
          <div className="hbar">
            <div style={{ width: `${(t.duration_ms! / max) * 100}%`, background: t.status === 'FAILED' ? 'var(--bad)' : undefined }} />
          </div>
          <span className="small">{fmtDuration(t.duration_ms)}</span>
        </div>
      ))}
      <h3>Links</h3>
      <div className="small">
        {s.explicit_link_count} explicit · {s.inferred_link_count} inferred · {s.unlinked_trace_count} unlinked
        {s.truncated ? ` · showing ${s.returned_trace_count} of ${s.total_trace_count} traces` : ''}
      </div>
    </div>
  )
}

const FEEDBACK_KEYS = ['feedback', 'feedback_items', 'ratings', 'rating', 'feedback_text', 'feedback_score']

/** Feedback that clients store in session metadata under the usual keys. */
function Feedback({ metadata }: { metadata: Record<string, unknown> }) {
  const found = FEEDBACK_KEYS.filter((k) => metadata[k] !== undefined)
  if (!found.length) return <div className="empty">No feedback in this session's metadata (keys: {FEEDBACK_KEYS.join(', ')}).</div>
  return (
    <div className="card">
      {found.map((k) => (
        <JsonView key={k} value={metadata[k]} name={k} />
      ))}
    </div>
  )
}
