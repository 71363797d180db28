import { useMemo } from 'react'
import { api, type HistoryEvent, type TimelineEvent } from '../api.js'
import { buildReplay, journalCounts, JOURNAL_KINDS, LIFECYCLE, LIFECYCLE_EDGES, lifecyclePath, replayState, statusAtStep, type LifecycleStatus, type ReplayState } from '../engine-model.js'
import { fmtInt, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { setQuery, useLocation } from '../router.js'
import { JsonView } from './JsonView.js'
import { ErrorBox, Loading, Status } from './ui.js'
import { VirtualList } from './VirtualList.js'

// Engine views shared by the run page and the trace workspace: the whole recorded history
// (paged in), the lifecycle state machine with the path this run took, the projected journal
// counts, and the read-only replay step-through.

const HISTORY_PAGE_CAP = 50 // 200 events a page: up to 10,000 events

export interface FullHistory {
  events: HistoryEvent[]
  expired: boolean
  capped: boolean
}

/** Every history event of a run, oldest first (at most 10,000), reloaded when `version` changes. */
export function useRunHistory(runId: string, version: string | undefined) {
  return useLoad<FullHistory>(
    async () => {
      const events: HistoryEvent[] = []
      let after = 0
      let expired = false
      let capped = false
      for (let page = 0; ; page++) {
        const p = await api.history(runId, after)
        events.push(...p.events)
        expired = p.expired
        if (!p.has_more || p.next_after === undefined) break
        if (page + 1 >= HISTORY_PAGE_CAP) {
          capped = true
          break
        }
        after = p.next_after
      }
      return { events, expired, capped }
    },
    [runId, version],
  )
}

// Diagram layout: the open states on the left (waiting above running, the operator's and the
// engine's holds beside them), the closed ones in a column on the right. Terminate edges (from
// any open state) are drawn only when the run took one, to keep the picture readable.
const W = 110
const H = 26
const POS: Record<LifecycleStatus, [number, number]> = {
  suspended: [75, 30],
  waiting: [255, 30],
  queued: [75, 110],
  running: [255, 110],
  quarantined: [255, 190],
  completed: [500, 30],
  failed: [500, 75],
  cancelled: [500, 120],
  continued_as_new: [500, 165],
  terminated: [500, 210],
}

/** Where the segment from the centre of `a` towards `b` leaves the box around `a`. */
function exitPoint(a: [number, number], b: [number, number]): [number, number] {
  const dx = b[0] - a[0]
  const dy = b[1] - a[1]
  const t = Math.min(dx ? W / 2 / Math.abs(dx) : Infinity, dy ? (H / 2 + 3) / Math.abs(dy) : Infinity)
  return [a[0] + dx * t, a[1] + dy * t]
}

export function LifecycleDiagram({ history, status }: { history: HistoryEvent[]; status: string }) {
  const { path, edges, current } = useMemo(() => lifecyclePath(history, status), [history, status])
  const visited = new Set(path)
  const known = new Set(LIFECYCLE_EDGES.map(([a, b]) => `${a}>${b}`))
  // Every legal move except terminate, plus whatever this run did (so its whole path shows).
  const drawn = [
    ...LIFECYCLE_EDGES.filter(([a, b]) => b !== 'terminated' || edges.has(`${a}>${b}`)),
    ...[...edges].filter((e) => !known.has(e)).map((e) => e.split('>') as [LifecycleStatus, LifecycleStatus]),
  ]
  const pairs = new Set(drawn.map(([a, b]) => `${a}>${b}`))
  return (
    <div className="lifecycle" data-testid="lifecycle" data-current={current} data-path={path.join(' ')}>
      <svg viewBox="0 0 570 230" role="img" aria-label={`Run lifecycle: ${path.join(' → ')}`}>
        <defs>
          <marker id="lc-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M0,0 L8,4 L0,8 z" className="lc-arrowhead" />
          </marker>
          <marker id="lc-arrow-taken" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M0,0 L8,4 L0,8 z" className="lc-arrowhead taken" />
          </marker>
        </defs>
        {drawn.map(([a, b]) => {
          // A pair drawn both ways is split apart so both arrows show.
          const both = pairs.has(`${b}>${a}`)
          const vertical = POS[a][0] === POS[b][0]
          const off = both ? (a < b ? -6 : 6) : 0
          const pa: [number, number] = vertical ? [POS[a][0] + off, POS[a][1]] : [POS[a][0], POS[a][1] + off]
          const pb: [number, number] = vertical ? [POS[b][0] + off, POS[b][1]] : [POS[b][0], POS[b][1] + off]
          const [x1, y1] = exitPoint(pa, pb)
          const [x2, y2] = exitPoint(pb, pa)
          return <line key={`${a}>${b}`} x1={x1} y1={y1} x2={x2} y2={y2} className={`lc-edge ${edges.has(`${a}>${b}`) ? 'taken' : ''}`} data-edge={`${a}>${b}`} markerEnd={edges.has(`${a}>${b}`) ? 'url(#lc-arrow-taken)' : 'url(#lc-arrow)'} />
        })}
        {LIFECYCLE.map((s) => (
          <g key={s} className={`lc-node ${visited.has(s) ? 'visited' : ''} ${s === current ? 'current' : ''}`} data-status={s} transform={`translate(${POS[s][0] - W / 2},${POS[s][1] - H / 2})`}>
            <title>{s === 'running' ? 'running: workflow code executing between history events (derived; the engine stores queued or waiting)' : s.replace(/_/g, ' ')}</title>
            <rect width={W} height={H} rx={6} />
            <text x={W / 2} y={H / 2 + 4} textAnchor="middle">
              {s.replace(/_/g, ' ')}
            </text>
          </g>
        ))}
      </svg>
      <div className="small muted">
        Path from history: {path.map((s) => s.replace(/_/g, ' ')).join(' → ')}. Terminate is possible from any open state.
      </div>
    </div>
  )
}

export function RunLifecycle({ runId, status, version }: { runId: string; status: string; version: string }) {
  const history = useRunHistory(runId, version)
  return (
    <div className="card">
      <h3>Lifecycle</h3>
      <ErrorBox error={history.error} />
      {history.data ? <LifecycleDiagram history={history.data.events} status={status} /> : <Loading />}
      {history.data?.capped ? <div className="muted small">Derived from the first {fmtInt(history.data.events.length)} history events.</div> : null}
    </div>
  )
}

const JOURNAL_LABELS: Record<(typeof JOURNAL_KINDS)[number], string> = {
  state_change: 'State changes',
  decision: 'Decisions',
  effect: 'Effects',
  wait: 'Waits',
  snapshot_marker: 'Snapshots',
}

export function JournalCounts({ events }: { events: TimelineEvent[] }) {
  const counts = journalCounts(events)
  return (
    <div className="card" data-testid="journal-counts">
      <h3>Projected journal</h3>
      <div className="journal-counts">
        {JOURNAL_KINDS.map((k) => (
          <div key={k} className="stat" data-kind={k}>
            <div className="stat-label">{JOURNAL_LABELS[k]}</div>
            <div className="stat-value">{fmtInt(counts[k])}</div>
          </div>
        ))}
      </div>
      <div className="muted small">Semantic events the engine projected into this trace (the Timeline's Semantic filter shows them).</div>
    </div>
  )
}

const STATE_LABEL: Record<ReplayState, string> = { replayed: 'replayed', current: 'current', pending: 'pending' }

/**
 * Steps through a run's recorded history. At each step, an item whose outcome is already in the
 * journal is `replayed` (a replay hands the recorded result back without running it), one that
 * was issued and has no outcome yet is `current` (a replay would be waiting on it), and one the
 * history has not reached is `pending`. Read-only: nothing is executed or changed.
 */
export function ReplayView({ runId, status, version, spanUuid }: { runId: string; status: string; version: string | undefined; spanUuid: (spanId: string) => string | undefined }) {
  const history = useRunHistory(runId, version)
  const { query } = useLocation()
  const events = history.data?.events ?? []
  const model = useMemo(() => buildReplay(events, runId), [events, runId])
  if (history.error) return <ErrorBox error={history.error} />
  if (!history.data) return <Loading />
  if (!events.length)
    return <div className="card muted">{history.data.expired ? 'The journal of this run has been purged; there is nothing to replay.' : 'This run has no history yet.'}</div>
  const last = events.length - 1
  const raw = Number(query.get('step') ?? last)
  const step = Number.isInteger(raw) ? Math.max(0, Math.min(last, raw)) : last
  const go = (i: number) => setQuery({ step: String(Math.max(0, Math.min(last, i))) }, { replace: true })
  const ev = events[step]!
  const states = model.items.map((it) => replayState(it, step))
  const count = (s: ReplayState) => states.filter((x) => x === s).length
  const at = statusAtStep(events, step)
  return (
    <div className="card replay" data-testid="replay">
      <div className="banner demo small" role="note">
        Read-only viewer: it shows what a replay of this run's recorded history would reproduce up to the chosen event. It does not run workflow code or change the run.
      </div>
      <div className="row replay-controls">
        <button className="btn small" onClick={() => go(step - 1)} disabled={step === 0} aria-label="Previous step">
          ◀
        </button>
        <input type="range" min={0} max={last} value={step} onChange={(e) => go(Number(e.target.value))} aria-label="Replay step" className="replay-slider" />
        <button className="btn small" onClick={() => go(step + 1)} disabled={step === last} aria-label="Next step">
          ▶
        </button>
        <span className="small" data-testid="replay-position">
          Step {fmtInt(step + 1)} of {fmtInt(events.length)} · #{ev.sequence_no} <span className="mono">{ev.event_type}</span>
        </span>
        <select
          className="input small"
          aria-label="Checkpoint"
          value=""
          onChange={(e) => {
            if (e.target.value !== '') go(Number(e.target.value))
          }}
        >
          <option value="">Jump to a checkpoint…</option>
          {model.checkpoints.map((c) => (
            <option key={`${c.kind}-${c.index}`} value={c.index}>
              {c.label}
            </option>
          ))}
        </select>
        {model.firstFailure !== undefined ? (
          <button className="btn small" onClick={() => go(model.firstFailure!)}>
            First failure
          </button>
        ) : null}
      </div>
      <div className="row small">
        <span>
          Run at this step: <Status value={at} />
        </span>
        <span className="badge replay-replayed" data-testid="replay-count-replayed">
          {count('replayed')} replayed
        </span>
        <span className="badge replay-current" data-testid="replay-count-current">
          {count('current')} current
        </span>
        <span className="badge replay-pending" data-testid="replay-count-pending">
          {count('pending')} pending
        </span>
        <span className="muted">
          now: <Status value={status} /> {history.data.capped ? `· first ${fmtInt(events.length)} events only` : ''}
        </span>
      </div>
      <div className="replay-items" data-testid="replay-items">
        <VirtualList
          count={model.items.length}
          rowHeight={28}
          height={Math.min(model.items.length * 28 + 4, 360)}
          render={(i) => {
            const it = model.items[i]!
            const st = states[i]!
            const uuid = it.spanId ? spanUuid(it.spanId) : undefined
            return (
              <div className={`replay-row rs-${st}`} data-item={it.key} data-state={st}>
                <span className={`badge small replay-${st}`}>{STATE_LABEL[st]}</span>
                <span className="muted small">{it.kind}</span>
                {uuid ? (
                  <button className="link ellipsis" onClick={() => setQuery({ tab: undefined, span: uuid, step: undefined })}>
                    {it.label}
                  </button>
                ) : (
                  <span className="ellipsis">{it.label}</span>
                )}
                {it.detail ? <span className="muted small mono">{it.detail}</span> : null}
                <span className="muted small">
                  #{events[it.start]?.sequence_no}
                  {it.end !== undefined ? ` → #${events[it.end]?.sequence_no} ${st === 'replayed' ? it.outcome : ''}` : ''}
                </span>
              </div>
            )
          }}
        />
      </div>
      <div className="replay-event">
        <div className="small">
          <strong>Event #{ev.sequence_no}</strong> <span className="mono">{ev.event_type}</span> <span className="muted">{fmtTime(ev.created_at)}</span>
        </div>
        <JsonView value={ev.payload} name="payload" />
      </div>
    </div>
  )
}
