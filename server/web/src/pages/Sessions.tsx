import { api } from '../api.js'
import { Empty, ErrorBox, Loading } from '../components/ui.js'
import { download, fmtAgo, fmtInt, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { Link, setQuery, useLocation } from '../router.js'
import { DraftInput } from './Traces.js'

export function Sessions() {
  const { query } = useLocation()
  const f = Object.fromEntries(['q', 'user_id', 'sort_by', 'sort_dir', 'offset'].map((k) => [k, query.get(k) ?? undefined]))
  const offset = Number(f.offset ?? 0)
  const list = useLoad(() => api.sessions({ ...f, limit: '50' }), [query.toString()])
  const sessions = list.data?.sessions ?? []
  return (
    <div className="page">
      <div className="page-head">
        <h1>Sessions</h1>
        <div className="spacer" />
        <button className="btn small" disabled={!sessions.length} onClick={() => download('sessions.json', JSON.stringify(list.data, null, 2))}>
          Export JSON
        </button>
      </div>
      <div className="filters">
        <DraftInput name="q" label="Search sessions" value={f.q} wide />
        <DraftInput name="user_id" label="User id" value={f.user_id} />
        <select className="input small" aria-label="Sort" value={f.sort_by ?? 'created_at'} onChange={(e) => setQuery({ sort_by: e.target.value === 'created_at' ? undefined : e.target.value })}>
          <option value="created_at">Newest</option>
          <option value="last_activity_at">Recently active</option>
          <option value="trace_count">Most traces</option>
        </select>
      </div>
      <ErrorBox error={list.error} />
      {!list.data && list.loading ? <Loading /> : null}
      {list.data && !sessions.length ? <Empty>No sessions.</Empty> : null}
      {sessions.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Session</th>
                <th>User</th>
                <th className="num">Traces</th>
                <th>Last active</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/sessions/${s.id}`} className="strong">
                      {s.name ?? s.external_id}
                    </Link>
                    <div className="muted small mono">{s.external_id}</div>
                  </td>
                  <td>{s.user_id ?? '—'}</td>
                  <td className="num">{fmtInt(s.trace_count)}</td>
                  <td title={fmtTime(s.last_activity_at)}>{fmtAgo(s.last_activity_at)}</td>
                  <td title={fmtTime(s.created_at)}>{fmtAgo(s.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data ? (
        <div className="pager">
          <span className="muted">{list.data.total ? `${offset + 1}–${offset + sessions.length} of ${list.data.total}` : ''}</span>
          <button className="btn small" disabled={offset === 0} onClick={() => setQuery({ offset: offset > 50 ? String(offset - 50) : undefined })}>
            Previous
          </button>
          <button className="btn small" disabled={offset + sessions.length >= list.data.total} onClick={() => setQuery({ offset: String(offset + 50) })}>
            Next
          </button>
        </div>
      ) : null}
    </div>
  )
}
