import { useEffect, useState } from 'react'
import { api, type Trace } from '../api.js'
import { ErrorBox, Empty, Loading, Status } from '../components/ui.js'
import { download, fmtAgo, fmtCost, fmtDuration, fmtInt, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link, setQuery, useLocation } from '../router.js'

// Trace list: every filter lives in the URL (shareable, survives reload); refreshed every 5 s.
// Metadata filters are a repeatable `metadata=key:value` parameter, each one required.

const FILTERS = ['q', 'status', 'user_id', 'session_id', 'tag', 'environment', 'start_time_from', 'start_time_to', 'has_errors', 'min_duration_ms', 'sort_dir', 'engine_only', 'engine_run_status', 'engine_definition_name', 'engine_instance_key', 'engine_projection_state', 'limit', 'offset'] as const
const ENGINE_RUN_STATUSES = ['queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new']
const ENGINE_PROJECTION_STATES = ['up_to_date', 'catching_up', 'summary_only', 'journal_expired']
const LABELS: Record<string, string> = { tag: 'tags', environment: 'env', q: 'search', status: 'status', user_id: 'user', session_id: 'session', start_time_from: 'from', start_time_to: 'to', has_errors: 'has errors', min_duration_ms: 'min duration ms', sort_dir: 'order', engine_only: 'engine only', engine_run_status: 'run status', engine_definition_name: 'definition', engine_instance_key: 'instance', engine_projection_state: 'projection' }

function toIso(local: string): string | undefined {
  if (!local) return undefined
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

/** An RFC 3339 time as the value of a datetime-local input (local time, minutes). */
function toLocalInput(iso: string | undefined): string | undefined {
  if (!iso) return undefined
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return undefined
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function Traces() {
  const { query } = useLocation()
  const filters: Record<string, string | undefined> = {}
  for (const f of FILTERS) filters[f] = query.get(f) ?? undefined
  const metadata = query.getAll('metadata')
  const limit = Number(filters.limit ?? 50)
  const offset = Number(filters.offset ?? 0)
  const list = useLoad(() => api.traces({ ...filters, metadata, limit: String(limit), offset: String(offset) }), [query.toString()], { pollMs: 5000 })
  const traces = list.data?.traces ?? []
  const counts = { running: 0, completed: 0, failed: 0 }
  traces.forEach((t) => (counts[t.status.toLowerCase() as keyof typeof counts] += 1))
  const active = FILTERS.filter((f) => filters[f] && f !== 'limit' && f !== 'offset')

  return (
    <div className="page">
      <div className="page-head">
        <h1>Traces</h1>
        <span className="live-dot" title="Refreshes every 5 seconds">
          live
        </span>
        <div className="spacer" />
        <button className="btn small" disabled={!traces.length} onClick={() => download('traces.json', JSON.stringify(list.data, null, 2))}>
          Export JSON
        </button>
      </div>
      <div className="filters">
        <DraftInput name="q" label="Search name, id, user, session or span" value={filters.q} wide />
        <div className="chips" role="group" aria-label="Status">
          {(['', 'running', 'completed', 'failed'] as const).map((s) => (
            <button key={s || 'all'} className={`chip ${(filters.status ?? '') === s ? 'on' : ''}`} onClick={() => setQuery({ status: s || undefined, offset: undefined })}>
              {s || 'all'}
              {s ? <span className="count">{counts[s]}</span> : null}
            </button>
          ))}
        </div>
        <DraftInput name="user_id" label="User id" value={filters.user_id} />
        <DraftInput name="tag" label="Tags (comma-separated)" value={filters.tag} />
        <DraftInput name="environment" label="Environment" value={filters.environment} />
        <MetadataInput current={metadata} />
        <DraftInput name="min_duration_ms" label="Min duration (ms)" value={filters.min_duration_ms} type="number" />
        <label className="field">
          <span>From</span>
          <input key={filters.start_time_from ?? ''} className="input small" type="datetime-local" aria-label="Started from" defaultValue={toLocalInput(filters.start_time_from)} onChange={(e) => setQuery({ start_time_from: toIso(e.target.value), offset: undefined })} />
        </label>
        <label className="field">
          <span>To</span>
          <input key={filters.start_time_to ?? ''} className="input small" type="datetime-local" aria-label="Started to" defaultValue={toLocalInput(filters.start_time_to)} onChange={(e) => setQuery({ start_time_to: toIso(e.target.value), offset: undefined })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={filters.has_errors === 'true'} onChange={(e) => setQuery({ has_errors: e.target.checked ? 'true' : undefined, offset: undefined })} /> Has errors
        </label>
        <label className="check">
          <input type="checkbox" checked={filters.engine_only === 'true'} onChange={(e) => setQuery({ engine_only: e.target.checked ? 'true' : undefined, offset: undefined })} /> Engine runs only
        </label>
        <select className="input small" aria-label="Engine run status" value={filters.engine_run_status ?? ''} onChange={(e) => setQuery({ engine_run_status: e.target.value || undefined, offset: undefined })}>
          <option value="">any run status</option>
          {ENGINE_RUN_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <select className="input small" aria-label="Engine run trace state" title="Projection state of the engine run" value={filters.engine_projection_state ?? ''} onChange={(e) => setQuery({ engine_projection_state: e.target.value || undefined, offset: undefined })}>
          <option value="">any projection</option>
          {ENGINE_PROJECTION_STATES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <DraftInput name="engine_definition_name" label="Engine definition" value={filters.engine_definition_name} />
        <DraftInput name="engine_instance_key" label="Engine instance key" value={filters.engine_instance_key} />
      </div>
      <SavedViews />
      {active.length || metadata.length ? (
        <div className="active-filters">
          {metadata.map((m, i) => (
            <button key={`metadata-${i}`} className="chip on" data-testid="metadata-filter" onClick={() => setQuery({ metadata: metadata.filter((_, j) => j !== i), offset: undefined })} title="Remove filter">
              metadata: {m} ✕
            </button>
          ))}
          {active.map((f) => (
            <button key={f} className="chip on" onClick={() => setQuery({ [f]: undefined, offset: undefined })} title="Remove filter">
              {LABELS[f] ?? f}: {filters[f]} ✕
            </button>
          ))}
          <button className="btn ghost small" onClick={() => setQuery({ ...Object.fromEntries(FILTERS.map((f) => [f, undefined])), metadata: undefined })}>
            Clear all
          </button>
        </div>
      ) : null}
      <ErrorBox error={list.error} />
      {!list.data && list.loading ? <Loading /> : null}
      {list.data && traces.length === 0 ? <Empty>No traces match. {active.length || metadata.length ? 'Try removing a filter.' : 'Send spans to /v1/ingest or run `continua seed`.'}</Empty> : null}
      {traces.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="traces-table">
            <thead>
              <tr>
                <th>Trace</th>
                <th>Status</th>
                <th>
                  <button className="link" onClick={() => setQuery({ sort_dir: filters.sort_dir === 'asc' ? undefined : 'asc' })}>
                    Started {filters.sort_dir === 'asc' ? '↑' : '↓'}
                  </button>
                </th>
                <th className="num">Duration</th>
                <th className="num">Spans</th>
                <th className="num">Tokens</th>
                <th className="num">Cost</th>
                <th className="num">Errors</th>
              </tr>
            </thead>
            <tbody>
              {traces.map((t) => (
                <TraceRow key={t.id} t={t} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data ? (
        <div className="pager">
          <span className="muted">
            {list.data.total ? `${offset + 1}–${offset + traces.length} of ${fmtInt(list.data.total)}` : ''}
          </span>
          <button className="btn small" disabled={offset === 0} onClick={() => setQuery({ offset: String(Math.max(0, offset - limit)) || undefined })}>
            Previous
          </button>
          <button className="btn small" disabled={offset + traces.length >= list.data.total} onClick={() => setQuery({ offset: String(offset + limit) })}>
            Next
          </button>
          <select className="input small" aria-label="Page size" value={String(limit)} onChange={(e) => setQuery({ limit: e.target.value === '50' ? undefined : e.target.value, offset: undefined })}>
            {[25, 50, 100, 200].map((n) => (
              <option key={n} value={n}>
                {n} / page
              </option>
            ))}
          </select>
        </div>
      ) : null}
    </div>
  )
}

function TraceRow({ t }: { t: Trace }) {
  return (
    <tr>
      <td>
        <Link to={`/traces/${t.id}`} className="strong">
          {t.name}
        </Link>
        {t.engine ? (
          <span className="badge st-running small" data-testid="engine-badge" title={`${t.engine.definition_name}@${t.engine.definition_version} · ${t.engine.instance_key} · projection ${t.engine.projection_state}`}>
            engine · {t.engine.status.toLowerCase()}
          </span>
        ) : null}
        <div className="muted small mono">{t.trace_id}</div>
      </td>
      <td>
        <Status value={t.status} />
      </td>
      <td title={fmtTime(t.started_at)}>{fmtAgo(t.started_at)}</td>
      <td className="num">{fmtDuration(t.duration_ms)}</td>
      <td className="num">{fmtInt(t.total_spans)}</td>
      <td className="num">{fmtInt(t.total_tokens_in + t.total_tokens_out)}</td>
      <td className="num">{fmtCost(t.total_cost_usd_decimal)}</td>
      <td className={`num ${t.error_count ? 'text-failed' : ''}`}>{t.error_count}</td>
    </tr>
  )
}

/** A filter input that commits on Enter (and on blur) and reverts on Escape. */
export function DraftInput({ name, label, value, type = 'text', wide }: { name: string; label: string; value: string | undefined; type?: string; wide?: boolean }) {
  const [draft, setDraft] = useState(value ?? '')
  useEffect(() => setDraft(value ?? ''), [value])
  const commit = () => draft !== (value ?? '') && setQuery({ [name]: draft.trim() || undefined, offset: undefined })
  return (
    <input
      className={`input small ${wide ? 'wide' : ''}`}
      type={type}
      placeholder={label}
      aria-label={label}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit()
        if (e.key === 'Escape') setDraft(value ?? '')
      }}
    />
  )
}

/**
 * Adds a `key:value` metadata filter on Enter. The key ends at the first colon; a value that
 * reads as a number, true, false or null also matches that typed value (docs/api.md).
 */
function MetadataInput({ current }: { current: string[] }) {
  const [draft, setDraft] = useState('')
  const text = draft.trim()
  const bad = text !== '' && text.indexOf(':') <= 0
  const add = () => {
    if (!text || bad) return
    if (!current.includes(text)) setQuery({ metadata: [...current, text], offset: undefined })
    setDraft('')
  }
  return (
    <input
      className={`input small ${bad ? 'invalid' : ''}`}
      placeholder="Metadata key:value"
      aria-label="Metadata key:value"
      title={bad ? 'Write key:value' : 'Add a metadata filter (Enter); every one must match'}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') add()
        if (e.key === 'Escape') setDraft('')
      }}
    />
  )
}

interface SavedView {
  name: string
  query: string
}
const VIEWS_KEY = 'continua_saved_trace_views'

/** Named trace-list filters kept in this browser; the project stays whatever is selected. */
function SavedViews() {
  const [views, setViews] = useState<SavedView[]>(() => {
    try {
      return JSON.parse(localStorage.getItem(VIEWS_KEY) ?? '[]') as SavedView[]
    } catch {
      return []
    }
  })
  const store = (next: SavedView[]) => {
    localStorage.setItem(VIEWS_KEY, JSON.stringify(next))
    setViews(next)
  }
  const current = () => {
    const q = new URLSearchParams(window.location.search)
    q.delete('project_id')
    q.delete('offset')
    return q.toString()
  }
  return (
    <div className="saved-views">
      <span className="muted small">Saved views:</span>
      {views.map((v) => (
        <span key={v.name} className="chip">
          <button className="link" onClick={() => setQuery({ ...Object.fromEntries(FILTERS.map((f) => [f, undefined])), ...Object.fromEntries(new URLSearchParams(v.query)), metadata: new URLSearchParams(v.query).getAll('metadata') })}>
            {v.name}
          </button>{' '}
          <button className="link muted" aria-label={`Delete view ${v.name}`} onClick={() => store(views.filter((x) => x !== v))}>
            ✕
          </button>
        </span>
      ))}
      <button
        className="btn ghost small"
        disabled={!current()}
        onClick={() => {
          const name = window.prompt('Name this view')?.trim()
          if (name) store([...views.filter((v) => v.name !== name), { name, query: current() }])
        }}
      >
        Save current filters
      </button>
    </div>
  )
}
