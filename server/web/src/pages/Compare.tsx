import { useMemo, useState } from 'react'
import { api, ApiError } from '../api.js'
import { ErrorBox, Loading, Stat, Status } from '../components/ui.js'
import { fmtCost, fmtDelta, fmtDuration, fmtInt } from '../format.js'
import { useLoad } from '../hooks.js'
import { diffJson, jsonLines, type JsonPath } from '../json-diff.js'
import { Link, useLocation } from '../router.js'

// Two traces of one session side by side: aligned span diff with payload differences and the
// token, cost and latency deltas.

export function Compare({ sessionId }: { sessionId: string }) {
  const { query } = useLocation()
  const baseline = query.get('baseline_trace_id') ?? ''
  const candidate = query.get('candidate_trace_id') ?? ''
  const data = useLoad(baseline && candidate ? () => api.compare(sessionId, baseline, candidate) : undefined, [sessionId, baseline, candidate])
  const back = (
    <Link to={`/sessions/${sessionId}`} className="muted">
      ← Session
    </Link>
  )
  if (!baseline || !candidate)
    return (
      <div className="page">
        {back}
        <div className="empty">A comparison needs two traces: pick a baseline and a candidate in the session.</div>
      </div>
    )
  if (data.error instanceof ApiError && data.error.status === 422)
    return (
      <div className="page">
        {back}
        <div className="card banner warn">These traces are too large to compare: {data.error.message}</div>
      </div>
    )
  if (data.error) return <ErrorBox error={data.error} />
  if (!data.data) return <Loading />
  const c = data.data
  const s = c.summary
  const cost = Number(s.cost_delta_usd_decimal)
  return (
    <div className="page">
      <div className="page-head">
        {back}
        <h1>Compare</h1>
        <span className="muted">{c.session.name ?? c.session.external_id}</span>
      </div>
      <div className="grid2">
        {([
          ['Baseline', c.baseline],
          ['Candidate', c.candidate],
        ] as const).map(([label, t]) => (
          <div key={label} className="card" data-testid={`compare-${label.toLowerCase()}`}>
            <div className="muted small">{label}</div>
            <div className="row">
              <Link to={`/traces/${t.id}`} className="strong">
                {t.name}
              </Link>
              <Status value={t.status} />
            </div>
            <div className="small">
              {fmtDuration(t.duration_ms)} · {fmtInt(t.total_tokens_in + t.total_tokens_out)} tokens · {fmtCost(t.total_cost_usd_decimal)} · {t.error_count} errors
            </div>
          </div>
        ))}
      </div>
      <div className="stats-row">
        <Stat label="Matched spans" value={`${s.matched_spans} (${s.heuristic_matches} heuristic)`} />
        <Stat label="Only in baseline" value={s.unmatched_baseline_spans} />
        <Stat label="Only in candidate" value={s.unmatched_candidate_spans} />
        <Stat label="Latency Δ" value={fmtDelta(s.duration_delta_ms, fmtDuration)} tone={s.duration_delta_ms > 0 ? 'bad' : 'good'} />
        <Stat label="Tokens Δ" value={`${fmtDelta(s.tokens_in_delta, fmtInt)} in / ${fmtDelta(s.tokens_out_delta, fmtInt)} out`} />
        <Stat label="Cost Δ" value={fmtDelta(cost, (v) => fmtCost(v))} tone={cost > 0 ? 'bad' : cost < 0 ? 'good' : ''} />
      </div>
      <div className="card">
        <table className="table diff-table" data-testid="span-diff">
          <thead>
            <tr>
              <th>Span</th>
              <th>Diff</th>
              <th>Baseline</th>
              <th>Candidate</th>
            </tr>
          </thead>
          <tbody>
            {c.span_diffs.map((row, i) => {
              const b = row.baseline_span
              const d = row.candidate_span
              return (
                <tr key={i} className={`diff-${row.diff_status}`}>
                  <td style={{ paddingLeft: 8 + row.depth * 16 }}>
                    <span className="strong">{(b ?? d)!.name}</span> <span className="muted small">{(b ?? d)!.kind.toLowerCase()}</span>
                    {row.payload_diffs.length ? (
                      <div className="payload-diffs">
                        {row.payload_diffs.map((p, j) => (
                          <div key={j} className="small mono">
                            {p.field}
                            {p.path === '$' ? '' : p.path.slice(1)}: <span className="del">{JSON.stringify(p.baseline)?.slice(0, 120) ?? '∅'}</span> → <span className="ins">{JSON.stringify(p.candidate)?.slice(0, 120) ?? '∅'}</span>
                          </div>
                        ))}
                      </div>
                    ) : null}
                    {b && d && row.diff_status === 'changed' ? <SideBySide baselineTrace={c.baseline.id} candidateTrace={c.candidate.id} baselineSpan={b.id} candidateSpan={d.id} /> : null}
                    {row.semantic_groups
                      .filter((g) => g.diff_status !== 'unchanged')
                      .map((g, j) => (
                        <div key={j} className="small">
                          <span className="badge st-waiting small">{g.event_type}</span> {g.diff_status} {g.changed_fields.join(', ')}
                        </div>
                      ))}
                  </td>
                  <td>
                    <span className={`badge diffst-${row.diff_status}`} title={row.match_reason}>
                      {row.diff_status.replace('_', ' ')}
                    </span>
                    {row.match_source === 'heuristic' ? <span className="badge st-other small" title={row.match_reason}>heuristic</span> : null}
                    {row.changed_fields.length ? <div className="muted small">{row.changed_fields.join(', ')}</div> : null}
                  </td>
                  <td className="small">{b ? `${b.status.toLowerCase()} · ${fmtDuration(b.latency_ms)}${b.tokens_in !== undefined ? ` · ${fmtInt((b.tokens_in ?? 0) + (b.tokens_out ?? 0))} tok` : ''}` : '—'}</td>
                  <td className="small">{d ? `${d.status.toLowerCase()} · ${fmtDuration(d.latency_ms)}${d.tokens_in !== undefined ? ` · ${fmtInt((d.tokens_in ?? 0) + (d.tokens_out ?? 0))} tok` : ''}` : '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </div>
  )
}

/** Both spans' payloads next to each other, loaded on demand through the payload route, with the differing JSON paths highlighted. */
function SideBySide({ baselineTrace, candidateTrace, baselineSpan, candidateSpan }: { baselineTrace: string; candidateTrace: string; baselineSpan: string; candidateSpan: string }) {
  const [field, setField] = useState<'input' | 'output' | 'metadata'>()
  const [data, setData] = useState<{ field: string; baseline: unknown; candidate: unknown }>()
  const [error, setError] = useState<unknown>()
  const open = async (f: 'input' | 'output' | 'metadata') => {
    if (field === f) return setField(undefined)
    setField(f)
    setError(undefined)
    try {
      const [b, c] = await Promise.all([api.payload(baselineTrace, 'span', baselineSpan, f).catch(() => undefined), api.payload(candidateTrace, 'span', candidateSpan, f).catch(() => undefined)])
      setData({ field: f, baseline: b, candidate: c })
    } catch (e) {
      setError(e)
    }
  }
  return (
    <div className="side-by-side">
      <div className="chips">
        <span className="muted small">Side by side:</span>
        {(['input', 'output', 'metadata'] as const).map((f) => (
          <button key={f} className={`chip small ${field === f ? 'on' : ''}`} aria-pressed={field === f} onClick={() => void open(f)}>
            {f}
          </button>
        ))}
      </div>
      <ErrorBox error={error} />
      {field && data?.field === field ? <PayloadDiff field={field} baseline={data.baseline} candidate={data.candidate} /> : null}
    </div>
  )
}

function PayloadDiff({ field, baseline, candidate }: { field: string; baseline: unknown; candidate: unknown }) {
  const diff = useMemo(() => diffJson(baseline, candidate), [baseline, candidate])
  return (
    <div className="payload-diff" data-testid="payload-diff">
      <div className="muted small" data-testid="payload-diff-paths">
        {diff.paths.length
          ? `${diff.paths.length}${diff.truncated ? '+' : ''} differing path${diff.paths.length === 1 ? '' : 's'}: ${diff.paths.slice(0, 8).map((p) => field + p.slice(1)).join(', ')}${diff.paths.length > 8 ? ', …' : ''}`
          : `The ${field} payloads are equal.`}
      </div>
      <div className="grid2">
        <DiffPane label="Baseline" value={baseline} changed={diff.paths} side="del" />
        <DiffPane label="Candidate" value={candidate} changed={diff.paths} side="ins" />
      </div>
    </div>
  )
}

function DiffPane({ label, value, changed, side }: { label: string; value: unknown; changed: JsonPath[]; side: 'del' | 'ins' }) {
  const lines = useMemo(() => jsonLines(value, changed), [value, changed])
  return (
    <div>
      <div className="muted small">{label}</div>
      {value === undefined ? (
        <div className="muted small">∅ (none)</div>
      ) : (
        <pre className="json diff-pane" data-testid={`diff-pane-${side}`}>
          {lines.map((l, i) => (
            <div key={i} className={l.changed ? `diff-line ${side}` : 'diff-line'} data-path={l.changed ? l.path : undefined} style={{ paddingLeft: `${l.depth * 2}ch` }}>
              {l.text}
            </div>
          ))}
        </pre>
      )}
    </div>
  )
}
