import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { api, authHeaders, apiUrl, type Span, type TimelineEvent, type TraceDetail } from '../api.js'
import { JsonView } from '../components/JsonView.js'
import { Status, ErrorBox, Loading, CopyButton, Tabs, Stat } from '../components/ui.js'
import { VirtualList } from '../components/VirtualList.js'
import { download, fmtBytes, fmtCost, fmtDuration, fmtInt, fmtTime, copy } from '../format.js'
import { Link, setQuery, useLocation } from '../router.js'
import { RunDetail } from './RunDetail.js'
import { JournalCounts, ReplayView } from '../components/EngineViews.js'
import { useLoad } from '../hooks.js'
import { parseSse, type StreamMessage } from '../sse.js'
import { metricEventSeries, spanDurationSeries, sparklinePath, type Series } from '../metrics-model.js'
import { ancestors, buildTree, classifyRunning, defaultExpansion, flatten, primaryFailure, retrySafety, SEMANTIC, type TreeNode } from '../trace-model.js'

// The trace workspace: failure summary, virtualised span tree with waterfall and keyboard
// navigation, span inspector, timeline, logs and metrics; live over SSE while the trace runs.

const PAYLOADS_INLINE_MAX_SPANS = 1500
const ROW_HEIGHT = 28

interface Data {
  trace: TraceDetail
  /** Where the live stream resumes: every change up to it is in what was loaded. */
  streamAfter: number
  spans: Span[]
  events: TimelineEvent[]
  /** The timeline has more events than the page loads (very large traces). */
  eventsCapped?: boolean
  payloadsInline: boolean
}

/**
 * Loads in stages so the tree is interactive early: trace and the light span tree first, then
 * the timeline and (for traces small enough) the spans with payloads, in the background.
 */
async function loadStaged(id: string, update: (fn: (d: Data | undefined) => Data | undefined) => void): Promise<void> {
  // The light span list first: it carries the trace's change high-water mark read with it, and
  // everything loaded after it is newer, so the live stream can resume there without a gap.
  const light = await api.spans(id, false)
  const trace = await api.trace(id)
  const streamAfter = light.high_water ?? 0
  update((d) => ({ trace, streamAfter, spans: light.spans, events: d?.trace.id === id ? d.events : [], payloadsInline: false }))
  const withPayloads = trace.total_spans <= PAYLOADS_INLINE_MAX_SPANS ? api.spans(id, true) : undefined
  const { events, capped } = await loadEvents(id)
  update((d) => d && { ...d, events, eventsCapped: capped })
  if (withPayloads) {
    const full = await withPayloads
    update((d) => d && { ...d, spans: full.spans, payloadsInline: true })
  }
}

const MAX_EVENT_PAGES = 40

async function loadEvents(id: string): Promise<{ events: TimelineEvent[]; capped: boolean }> {
  const out: TimelineEvent[] = []
  let after: string | undefined
  let capped = false
  for (let page = 0; ; page++) {
    const r = await api.events(id, after)
    out.push(...r.events)
    if (!r.has_more || !r.next_cursor) break
    if (page + 1 >= MAX_EVENT_PAGES) {
      capped = true
      break
    }
    after = r.next_cursor
  }
  return { events: out.sort((a, b) => a.timestamp.localeCompare(b.timestamp)), capped }
}

/**
 * Live changes of a running trace over GET /api/traces/{id}/stream, read through fetch so the
 * credentials travel in headers. Starts after the load's high-water mark and, on reconnect,
 * after the last complete group it received; messages are delivered in small batches. A change
 * may arrive twice (loaded and streamed): applying one is idempotent.
 */
function useTraceStream(id: string, enabled: boolean, after: () => number, onMessages: (m: StreamMessage[]) => void) {
  const cb = useRef(onMessages)
  cb.current = onMessages
  const afterRef = useRef(after)
  afterRef.current = after
  const [live, setLive] = useState(false)
  useEffect(() => {
    if (!enabled) return
    const abort = new AbortController()
    let cursor = afterRef.current()
    let pending: StreamMessage[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = () => {
      timer = undefined
      const batch = pending
      pending = []
      if (batch.length) cb.current(batch)
    }
    ;(async () => {
      while (!abort.signal.aborted) {
        try {
          const res = await fetch(apiUrl(`/api/traces/${id}/stream`, { query: { after: Math.max(cursor, afterRef.current()) } }), { headers: authHeaders(), signal: abort.signal })
          if (!res.ok || !res.body) throw new Error(String(res.status))
          setLive(true)
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
          let buffer = ''
          for (;;) {
            const { value, done } = await reader.read()
            if (done) break
            const parsed = parseSse(buffer + value)
            buffer = parsed.rest
            for (const m of parsed.messages) if (m.id !== undefined && m.id > cursor) cursor = m.id
            pending.push(...parsed.messages.filter((m) => m.event !== 'ready'))
            if (pending.length && !timer) timer = setTimeout(flush, 150)
          }
        } catch {
          // reconnect below
        }
        setLive(false)
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 2000))
      }
    })()
    return () => {
      abort.abort()
      clearTimeout(timer)
    }
  }, [id, enabled])
  return live
}

/** Applies streamed trace, span and event changes to the loaded data. */
function applyChanges(d: Data, messages: StreamMessage[]): Data {
  let trace = d.trace
  const spans = new Map(d.spans.map((s) => [s.id, s]))
  const events = [...d.events]
  const seen = new Set(events.map((e) => e.id))
  for (const m of messages) {
    if (m.event === 'trace') trace = { ...trace, ...(m.data as Partial<TraceDetail>) }
    else if (m.event === 'span') {
      const s = m.data as Span
      const old = spans.get(s.id)
      // Keep payloads we already have when the change arrives without them.
      spans.set(s.id, old && s.input === undefined && s.output === undefined ? { ...old, ...s, input: old.input, output: old.output, metadata: s.metadata ?? old.metadata } : s)
    } else if (m.event === 'event') {
      const e = m.data as TimelineEvent
      if (!seen.has(e.id)) {
        seen.add(e.id)
        events.push(e)
      }
    }
  }
  events.sort((a, b) => a.timestamp.localeCompare(b.timestamp))
  return { ...d, trace, spans: [...spans.values()], events }
}


type Section = 'overview' | 'timeline' | 'logs' | 'metrics' | 'engine' | 'replay'

export function TraceDetailPage({ id }: { id: string }) {
  const { query } = useLocation()
  const [data, setData] = useState<Data>()
  const [error, setError] = useState<unknown>()
  const reload = useCallback(() => loadStaged(id, setData).catch(setError), [id])
  useEffect(() => {
    void reload()
  }, [reload])
  const running = data?.trace.status === 'RUNNING'
  const dataRef = useRef(data)
  dataRef.current = data
  const live = useTraceStream(
    id,
    running,
    () => dataRef.current?.streamAfter ?? 0,
    (messages) => {
      const finished = messages.some((m) => m.event === 'trace' && (m.data as { status?: string }).status !== 'RUNNING')
      setData((d) => d && applyChanges(d, messages))
      // Lifecycle markers and rollups are read-time; reload everything once the trace ends.
      if (finished) void reload()
    },
  )
  // Fallback poll while running in case the stream is unavailable.
  useEffect(() => {
    if (!running || live) return
    const t = setInterval(reload, 3000)
    return () => clearInterval(t)
  }, [running, live, reload])

  const tree = useMemo(() => {
    if (!data) return undefined
    indexSpans(data.spans)
    return buildTree(data.spans)
  }, [data?.spans]) // eslint-disable-line react-hooks/exhaustive-deps
  const primary = useMemo(() => (tree ? primaryFailure(tree) : undefined), [tree])
  const selectedId = query.get('span') ?? undefined
  const section = (query.get('tab') as Section) || 'overview'

  // "/" jumps to the payload search of the inspector.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement
      if (e.key !== '/' || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') return
      const input = document.querySelector<HTMLInputElement>('.inspector input[aria-label="Search payload"]')
      if (input) {
        e.preventDefault()
        input.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  // Failure first: open on the primary failed span unless the URL names one.
  useEffect(() => {
    if (tree && !selectedId) {
      const first = primary ?? tree.roots[0]
      if (first) setQuery({ span: first.span.id }, { replace: true })
    }
  }, [tree, selectedId, primary])

  if (error) return <ErrorBox error={error} />
  if (!data || !tree) return <Loading />
  const { trace } = data
  const selected = selectedId ? tree.byId.get(selectedId) : undefined
  const engineRun = trace.trace_id.startsWith('engine:') ? trace.trace_id.slice('engine:'.length) : undefined

  return (
    <div className="page trace-page">
      <div className="page-head">
        <Link to="/traces" className="muted">
          ← Traces
        </Link>
        <h1 className="ellipsis">{trace.name}</h1>
        <Status value={trace.status} />
        {running ? <span className={`live-dot ${live ? 'on' : ''}`}>{live ? 'LIVE' : 'polling'}</span> : null}
        {engineRun ? <Link to={`/engine/runs/${engineRun}`}>Engine run</Link> : null}
        <div className="spacer" />
        <CopyButton text={window.location.href} label="Copy link" />
        <button className="btn small" onClick={() => download(`trace-${trace.trace_id}.json`, JSON.stringify({ trace, spans: data.spans, events: data.events }, null, 2))}>
          Export
        </button>
      </div>
      <div className="stats-row">
        <Stat label="Duration" value={fmtDuration(trace.duration_ms)} />
        <Stat label="Spans" value={fmtInt(trace.total_spans)} />
        <Stat label="Tokens in / out" value={`${fmtInt(trace.total_tokens_in)} / ${fmtInt(trace.total_tokens_out)}`} />
        <Stat label="Cost" value={fmtCost(trace.total_cost_usd_decimal)} />
        <Stat label="Errors" value={trace.error_count} tone={trace.error_count ? 'bad' : ''} />
        <Stat label="Started" value={fmtTime(trace.started_at)} />
        {trace.session_id ? <Stat label="Session" value={<Link to={`/sessions/${trace.session_id}`}>{trace.session_external_id ?? 'open'}</Link>} /> : null}
        {trace.user_id ? <Stat label="User" value={trace.user_id} /> : null}
      </div>
      {primary ? <FailureSummary node={primary} events={data.events} selected={selectedId === primary.span.id} /> : null}
      {running ? <RunningPanel spans={data.spans} events={data.events} engineRun={engineRun} /> : null}
      <Tabs<Section>
        tabs={[
          ['overview', 'Overview'],
          ['timeline', `Timeline (${data.events.length})`],
          ['logs', 'Logs'],
          ['metrics', 'Metrics'],
          ...(engineRun
            ? ([
                ['engine', 'Engine state'],
                ['replay', 'Replay'],
              ] as Array<[Section, string]>)
            : []),
        ]}
        value={section}
        onChange={(tab) => setQuery({ tab: tab === 'overview' ? undefined : tab, step: tab === 'replay' ? query.get('step') ?? undefined : undefined }, { replace: true })}
      />
      {section === 'overview' ? (
        <div className="workspace">
          <SpanTreePane tree={tree} trace={trace} selected={selected} />
          <Inspector trace={trace} node={selected} events={data.events} payloadsInline={data.payloadsInline} />
        </div>
      ) : null}
      {section === 'timeline' && data.eventsCapped ? <div className="banner warn small">Showing the first {fmtInt(data.events.length)} events of this trace; the API (`GET /api/traces/{'{id}'}/events` with cursors) has the rest.</div> : null}
      {section === 'timeline' ? <Timeline events={data.events} /> : null}
      {section === 'logs' ? <Logs events={data.events} trace={trace} /> : null}
      {section === 'metrics' ? <Metrics spans={data.spans} events={data.events} /> : null}
      {section === 'engine' && engineRun ? (
        <>
          <JournalCounts events={data.events} />
          <RunDetail id={engineRun} embedded />
        </>
      ) : null}
      {section === 'replay' && engineRun ? <EngineReplay runId={engineRun} tree={tree} /> : null}
      <details className="card context">
        <summary>Trace context</summary>
        <dl className="kv">
          <dt>Id</dt>
          <dd className="mono">
            {trace.id} <CopyButton text={trace.id} />
          </dd>
          <dt>External trace id</dt>
          <dd className="mono">{trace.trace_id}</dd>
          <dt>Environment</dt>
          <dd>{trace.environment ?? '—'}</dd>
          <dt>Release</dt>
          <dd>{trace.release ?? '—'}</dd>
          <dt>Tags</dt>
          <dd>{trace.tags.join(', ') || '—'}</dd>
        </dl>
        <PayloadPanel title="Trace input" traceId={trace.id} kind="trace" ownerId={trace.id} field="input" value={trace.input} truncated={trace.input_truncated} originalSize={trace.input_original_size_bytes} />
        <PayloadPanel title="Trace output" traceId={trace.id} kind="trace" ownerId={trace.id} field="output" value={trace.output} truncated={trace.output_truncated} originalSize={trace.output_original_size_bytes} />
        <PayloadPanel title="Metadata" traceId={trace.id} kind="trace" ownerId={trace.id} field="metadata" value={trace.metadata} truncated={false} />
      </details>
    </div>
  )
}

/** The replay step-through of the run this trace projects; follows the run's updates. */
function EngineReplay({ runId, tree }: { runId: string; tree: ReturnType<typeof buildTree> }) {
  const run = useLoad(() => api.run(runId), [runId], { pollMs: 5000 })
  if (run.error) return <ErrorBox error={run.error} />
  if (!run.data) return <Loading />
  return <ReplayView runId={runId} status={run.data.status} version={run.data.updated_at} spanUuid={(spanId) => tree.bySpanId.get(spanId)?.span.id} />
}

function FailureSummary({ node, events, selected }: { node: TreeNode; events: TimelineEvent[]; selected: boolean }) {
  const safety = retrySafety(node.span, events)
  const path = ancestors(node)
  return (
    <div className="card failure" data-testid="failure-summary">
      <div className="row">
        <strong className="text-failed">Primary failure</strong>
        <button className="link strong" onClick={() => setQuery({ span: node.span.id, tab: undefined })}>
          {node.span.name}
        </button>
        {selected ? <span className="muted small">(selected)</span> : null}
        <span className={`badge safety-${safety.verdict}`} title={safety.reason}>
          retry: {safety.verdict}
        </span>
      </div>
      <div className="breadcrumb small">
        {path.map((a) => (
          <button key={a.span.id} className="link" onClick={() => setQuery({ span: a.span.id })}>
            {a.span.name}
          </button>
        ))}
      </div>
      {node.span.error_message ? <div className="error-line mono">{node.span.error_message.split('\n')[0]!.slice(0, 300)}</div> : null}
    </div>
  )
}

function RunningPanel({ spans, events, engineRun }: { spans: Span[]; events: TimelineEvent[]; engineRun?: string }) {
  // For a projected durable run, the engine's own status and wait are the declared state.
  const run = useLoad(engineRun ? () => api.run(engineRun) : undefined, [engineRun], { pollMs: 3000 })
  const engine = run.data ? { status: run.data.status, wait: run.data.wait_state } : undefined
  // Re-evaluated every few seconds so a quiet trace turns "possibly stalled" without new data.
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000)
    return () => clearInterval(t)
  }, [])
  const c = useMemo(() => classifyRunning(spans, events, now, undefined, engine), [spans, events, now, engine?.status, JSON.stringify(engine?.wait)]) // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="card running" data-testid="running-state" data-state={c.state} data-basis={c.basis}>
      <div className="row">
        <strong>Running:</strong>
        <span className={`badge run-${c.state}`}>{c.state.replace(/_/g, ' ')}</span>
        <span className="badge small st-other" title="declared: the trace said so; inferred: from open spans; heuristic: from timing alone">
          {c.basis}
        </span>
        <span className="small">{c.reason}</span>
      </div>
      <div className="row small">
        {c.waits.map((w) => (
          <span key={w.id} className="badge st-waiting">
            waiting: {String(w.payload?.wait_kind ?? 'wait')} {String(w.payload?.wait_id ?? '')}
          </span>
        ))}
        {c.frontier.slice(0, 5).map((s) => (
          <button key={s.id} className="link small" onClick={() => setQuery({ tab: undefined, span: s.id })}>
            open: {s.name}
          </button>
        ))}
        <span className="muted">
          {c.openSpans} open spans{c.lastActivity ? ` · last activity ${fmtTime(c.lastActivity)}` : ''}
        </span>
      </div>
    </div>
  )
}

function SpanTreePane({ tree, trace, selected }: { tree: ReturnType<typeof buildTree>; trace: TraceDetail; selected: TreeNode | undefined }) {
  const [expanded, setExpanded] = useState(() => defaultExpansion(tree))
  const [search, setSearch] = useState('')
  const [failedOnly, setFailedOnly] = useState(false)
  const [kinds, setKinds] = useState<Set<string>>(new Set())
  // New branches arriving while live are expanded too; manual collapses stay.
  const knownParents = useRef(new Set([...tree.byId.values()].filter((n) => n.children.length).map((n) => n.span.id)))
  useEffect(() => {
    const add: string[] = []
    for (const [id, n] of tree.byId) {
      if (!n.children.length || knownParents.current.has(id)) continue
      knownParents.current.add(id)
      if (tree.byId.size <= 700) add.push(id)
    }
    if (add.length) setExpanded((e) => new Set([...e, ...add]))
  }, [tree])
  // Reveal the selected span's ancestors.
  useEffect(() => {
    const path = ancestors(selected)
    if (path.some((a) => !expanded.has(a.span.id))) setExpanded((e) => new Set([...e, ...path.map((a) => a.span.id)]))
  }, [selected]) // eslint-disable-line react-hooks/exhaustive-deps

  const filter = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean)
    if (!words.length && !failedOnly && !kinds.size) return undefined
    return (n: TreeNode) =>
      (!failedOnly || n.span.status === 'FAILED') && (!kinds.size || kinds.has(n.span.kind)) && words.every((w) => n.span.name.toLowerCase().includes(w) || n.span.type.toLowerCase().includes(w))
  }, [search, failedOnly, kinds])
  const rows = useMemo(() => flatten(tree, expanded, filter), [tree, expanded, filter])
  const index = selected ? rows.indexOf(selected) : -1

  const t0 = new Date(trace.started_at).getTime()
  let t1 = trace.ended_at ? new Date(trace.ended_at).getTime() : 0
  if (!t1) for (const n of tree.byId.values()) t1 = Math.max(t1, new Date(n.span.ended_at ?? n.span.started_at).getTime())
  const span = Math.max(1, t1 - t0)

  const toggle = (n: TreeNode, open?: boolean) =>
    setExpanded((e) => {
      const next = new Set(e)
      if (open ?? !next.has(n.span.id)) next.add(n.span.id)
      else next.delete(n.span.id)
      return next
    })
  const onKey = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT') return
    const cur = rows[index]
    let next: TreeNode | undefined
    if (e.key === 'ArrowDown') next = rows[Math.min(rows.length - 1, index + 1)]
    else if (e.key === 'ArrowUp') next = rows[Math.max(0, index - 1)]
    else if (e.key === 'Home') next = rows[0]
    else if (e.key === 'End') next = rows[rows.length - 1]
    else if (e.key === 'ArrowRight' && cur) {
      if (cur.children.length && !expanded.has(cur.span.id)) toggle(cur, true)
      else next = cur.children[0]
    } else if (e.key === 'ArrowLeft' && cur) {
      if (cur.children.length && expanded.has(cur.span.id)) toggle(cur, false)
      else next = cur.parent
    } else return
    e.preventDefault()
    if (next) setQuery({ span: next.span.id }, { replace: true })
  }
  const allKinds = ['LLM', 'TOOL', 'CHAIN', 'AGENT', 'CUSTOM']

  return (
    <div className="tree-pane card">
      <div className="tree-tools">
        <input className="input small" placeholder="Find span" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Find span" />
        {allKinds.map((k) => (
          <button key={k} className={`chip small ${kinds.has(k) ? 'on' : ''}`} onClick={() => setKinds((s) => (s.has(k) ? new Set([...s].filter((x) => x !== k)) : new Set([...s, k])))}>
            {k.toLowerCase()}
          </button>
        ))}
        <label className="check small">
          <input type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly(e.target.checked)} /> failed only
        </label>
        <button className="btn ghost small" disabled={tree.byId.size > 20000} title={tree.byId.size > 20000 ? 'Too many spans to expand at once' : ''} onClick={() => setExpanded(new Set([...tree.byId.values()].filter((n) => n.children.length).map((n) => n.span.id)))}>
          Expand all
        </button>
        <button className="btn ghost small" onClick={() => setExpanded(new Set())}>
          Collapse
        </button>
        <span className="muted small">{fmtInt(rows.length)} rows</span>
      </div>
      <div className="axis" aria-hidden="true">
        <span />
        <div className="axis-ticks">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span key={f} style={{ left: `${f * 100}%` }}>
              {fmtDuration(f * span)}
            </span>
          ))}
        </div>
        <span />
      </div>
      <div className="tree-focus" tabIndex={0} onKeyDown={onKey} data-testid="span-tree" aria-label="Span tree (arrow keys to move, left/right to collapse/expand)">
        <VirtualList
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          scrollTo={index}
          className="tree-list"
          render={(i) => {
            const n = rows[i]!
            const s = n.span
            const start = new Date(s.started_at).getTime() - t0
            const end = (s.ended_at ? new Date(s.ended_at).getTime() : t1) - t0
            const left = Math.max(0, (start / span) * 100)
            const width = Math.max(0.3, ((end - start) / span) * 100)
            return (
              <div className={`span-row ${n === selected ? 'selected' : ''} ${s.status === 'FAILED' ? 'failed' : ''}`} data-span-id={s.id} onClick={() => setQuery({ span: s.id }, { replace: true })}>
                <div className="span-name" style={{ paddingLeft: 4 + n.depth * 14 }}>
                  {n.children.length ? (
                    <button
                      className="jtoggle"
                      aria-label={expanded.has(s.id) ? 'Collapse' : 'Expand'}
                      onClick={(e) => {
                        e.stopPropagation()
                        toggle(n)
                      }}
                    >
                      {expanded.has(s.id) ? '▾' : '▸'}
                    </button>
                  ) : (
                    <span className="jtoggle" />
                  )}
                  <span className={`kind k-${s.kind.toLowerCase()}`}>{s.kind.slice(0, 1)}</span>
                  <span className="ellipsis">{s.name}</span>
                </div>
                <div className="span-bar-cell" title={`${fmtDuration(end - start)} at +${fmtDuration(start)}`}>
                  <div className={`span-bar b-${s.status.toLowerCase()}`} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
                </div>
                <div className="span-dur muted small">{fmtDuration(s.latency_ms ?? (s.ended_at ? end - start : undefined))}</div>
              </div>
            )
          }}
        />
      </div>
    </div>
  )
}

type InspectorTab = 'details' | 'events' | 'reasoning' | 'state'

function Inspector({ trace, node, events, payloadsInline }: { trace: TraceDetail; node: TreeNode | undefined; events: TimelineEvent[]; payloadsInline: boolean }) {
  const { query } = useLocation()
  const tab = (query.get('itab') as InspectorTab) || 'details'
  if (!node) return <div className="inspector card muted">Select a span.</div>
  const s = node.span
  const own = events.filter((e) => e.span_id === s.span_id)
  const decisions = own.filter((e) => e.event_type === 'decision')
  const states = own.filter((e) => e.event_type === 'state_change')
  return (
    <div className="inspector card" data-testid="inspector">
      <div className="breadcrumb small">
        {ancestors(node).map((a) => (
          <button key={a.span.id} className="link" onClick={() => setQuery({ span: a.span.id }, { replace: true })}>
            {a.span.name}
          </button>
        ))}
      </div>
      <div className="row">
        <h2 className="ellipsis" data-testid="inspector-title">
          {s.name}
        </h2>
        <Status value={s.status} />
        <span className="muted small">{s.type}</span>
      </div>
      <Tabs<InspectorTab>
        tabs={[
          ['details', 'Details'],
          ['events', `Events (${own.length})`],
          ['reasoning', `Reasoning (${decisions.length})`],
          ['state', `State (${states.length})`],
        ]}
        value={tab}
        onChange={(t) => setQuery({ itab: t === 'details' ? undefined : t }, { replace: true })}
      />
      {tab === 'details' ? (
        <>
          {s.error_message ? <pre className="error-box pre">{s.error_message}</pre> : null}
          {s.status === 'FAILED' ? <SafetyLine span={s} events={events} /> : null}
          <dl className="kv">
            <dt>Span id</dt>
            <dd className="mono">
              {s.span_id} <CopyButton text={s.span_id} />
            </dd>
            <dt>Kind</dt>
            <dd>{s.kind.toLowerCase()}</dd>
            <dt>Started</dt>
            <dd>{fmtTime(s.started_at)}</dd>
            <dt>Latency</dt>
            <dd>{fmtDuration(s.latency_ms)}</dd>
            {s.model ? (
              <>
                <dt>Model</dt>
                <dd>
                  {s.model} {s.provider ? <span className="muted">({s.provider})</span> : null}
                </dd>
              </>
            ) : null}
            {s.tokens_in !== undefined || s.tokens_out !== undefined ? (
              <>
                <dt>Tokens</dt>
                <dd>
                  {fmtInt(s.tokens_in)} in / {fmtInt(s.tokens_out)} out{s.reasoning_tokens ? ` / ${fmtInt(s.reasoning_tokens)} reasoning` : ''}
                  {s.cache_read_tokens ? ` / ${fmtInt(s.cache_read_tokens)} cached` : ''}
                </dd>
              </>
            ) : null}
            {s.cost_usd_decimal ? (
              <>
                <dt>Cost</dt>
                <dd>
                  {fmtCost(s.cost_usd_decimal)} <span className="muted small">{s.cost_source}</span>
                </dd>
              </>
            ) : null}
          </dl>
          <PayloadPanel title="Input" traceId={trace.id} kind="span" ownerId={s.id} field="input" value={payloadsInline ? s.input : undefined} lazy={!payloadsInline} truncated={s.input_truncated} originalSize={s.input_original_size_bytes} reason={s.input_truncation_reason} />
          <PayloadPanel title="Output" traceId={trace.id} kind="span" ownerId={s.id} field="output" value={payloadsInline ? s.output : undefined} lazy={!payloadsInline} truncated={s.output_truncated} originalSize={s.output_original_size_bytes} reason={s.output_truncation_reason} />
          <PayloadPanel title="Metadata" traceId={trace.id} kind="span" ownerId={s.id} field="metadata" value={payloadsInline ? s.metadata : undefined} lazy={!payloadsInline} truncated={false} />
        </>
      ) : null}
      {tab === 'events' ? <EventList events={own} /> : null}
      {tab === 'reasoning' ? (
        decisions.length ? (
          decisions.map((d) => (
            <div key={d.id} className="card inner">
              <div className="strong">{String(d.payload?.question ?? 'Decision')}</div>
              <div>
                chose <span className="badge st-ok">{String(d.payload?.chosen ?? '?')}</span>
                {Array.isArray(d.payload?.alternatives) ? <span className="muted small"> of {(d.payload.alternatives as unknown[]).map(String).join(', ')}</span> : null}
              </div>
              {d.payload?.reasoning ? <div className="muted">{String(d.payload.reasoning)}</div> : null}
            </div>
          ))
        ) : (
          <div className="muted">No decision events on this span.</div>
        )
      ) : null}
      {tab === 'state' ? (
        states.length ? (
          <table className="table small">
            <thead>
              <tr>
                <th>Key</th>
                <th>Before</th>
                <th>After</th>
              </tr>
            </thead>
            <tbody>
              {states.map((e) => (
                <tr key={e.id}>
                  <td className="mono">
                    {e.payload?.namespace ? `${String(e.payload.namespace)}.` : ''}
                    {String(e.payload?.key ?? '?')}
                  </td>
                  <td className="mono">{JSON.stringify(e.payload?.old_value)}</td>
                  <td className="mono">{JSON.stringify(e.payload?.new_value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div className="muted">No state changes on this span.</div>
        )
      ) : null}
    </div>
  )
}

function SafetyLine({ span, events }: { span: Span; events: TimelineEvent[] }) {
  const r = retrySafety(span, events)
  return (
    <div className="row small">
      <span className={`badge safety-${r.verdict}`}>retry: {r.verdict}</span> <span className="muted">{r.reason}</span>
    </div>
  )
}

/** A payload with its truncation banner; loads the full original through the payload route. */
function PayloadPanel({ title, traceId, kind, ownerId, field, value, lazy, truncated, originalSize, reason }: { title: string; traceId: string; kind: 'trace' | 'span' | 'event'; ownerId: string; field: string; value: unknown; lazy?: boolean; truncated: boolean; originalSize?: number; reason?: string }) {
  const [full, setFull] = useState<{ value: unknown } | undefined>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    setFull(undefined)
    setError(undefined)
  }, [ownerId, field])
  const loadFull = async () => {
    setBusy(true)
    try {
      setFull({ value: await api.payload(traceId, kind, ownerId, field) })
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => {
    if (lazy && !truncated) void loadFull()
  }, [lazy, ownerId, field]) // eslint-disable-line react-hooks/exhaustive-deps
  const shown = full ? full.value : value
  if (!lazy && !truncated && (value === undefined || value === null || (typeof value === 'object' && Object.keys(value as object).length === 0))) return null
  return (
    <div className="payload">
      <div className="payload-head">
        <strong>{title}</strong>
        {shown !== undefined ? <CopyButton text={JSON.stringify(shown, null, 2)} label="Copy" /> : null}
      </div>
      {truncated && !full ? (
        <div className="banner warn small" data-testid="truncation-banner">
          Stored truncated{originalSize ? ` (original ${fmtBytes(originalSize)}` : ''}
          {reason ? `, ${reason}` : ''}
          {originalSize ? ')' : ''}.{' '}
          <button className="link" onClick={loadFull} disabled={busy}>
            Load the full original
          </button>{' '}
          <button
            className="link"
            onClick={async () => {
              const v = await api.payload(traceId, kind, ownerId, field).catch(setError)
              if (v !== undefined) download(`${kind}-${ownerId}-${field}.json`, JSON.stringify(v, null, 2))
            }}
          >
            Download
          </button>
        </div>
      ) : null}
      <ErrorBox error={error} />
      {busy && shown === undefined ? <Loading /> : <JsonView value={shown} />}
    </div>
  )
}

type TimelineFilter = 'all' | 'semantic' | 'effects'

function Timeline({ events }: { events: TimelineEvent[] }) {
  const { query } = useLocation()
  const mode = (query.get('tl') as TimelineFilter) || 'all'
  const shown = events.filter((e) => mode === 'all' || (mode === 'semantic' ? SEMANTIC.has(e.event_type) : e.event_type === 'effect' || e.event_type === 'wait'))
  return (
    <div className="card">
      <div className="chips">
        {(
          [
            ['all', 'All'],
            ['semantic', 'Semantic'],
            ['effects', 'Effects & waits'],
          ] as const
        ).map(([v, label]) => (
          <button key={v} className={`chip ${mode === v ? 'on' : ''}`} onClick={() => setQuery({ tl: v === 'all' ? undefined : v }, { replace: true })}>
            {label}
          </button>
        ))}
        <span className="muted small">{shown.length} events</span>
      </div>
      <EventList events={shown} linkSpans />
    </div>
  )
}

function describe(e: TimelineEvent): string {
  const p = e.payload ?? {}
  switch (e.event_type) {
    case 'decision':
      return `${String(p.question ?? 'decision')} → ${String(p.chosen ?? '?')}`
    case 'state_change':
      return `${p.namespace ? `${String(p.namespace)}.` : ''}${String(p.key ?? '')}: ${JSON.stringify(p.old_value)} → ${JSON.stringify(p.new_value)}`
    case 'effect':
      return `${String(p.effect_kind ?? 'effect')} ${String(p.effect_id ?? '')}${p.has_external_side_effect ? ' · side effect' : ' · read-only'}${p.idempotent ? ' · idempotent' : ''}`
    case 'wait':
      return `${String(p.wait_kind ?? 'wait')} ${String(p.phase ?? '')} ${p.resolution ? `(${String(p.resolution)})` : ''}`
    case 'snapshot_marker':
      return `${String(p.marker_kind ?? 'milestone')}: ${String(p.label ?? '')}`
    case 'metric':
      return `${String(p.metric_name ?? '')} = ${String(p.metric_value ?? '')} ${String(p.metric_unit ?? '')}`
    default:
      return e.message ?? (Object.keys(p).length ? JSON.stringify(p).slice(0, 200) : '')
  }
}

function EventList({ events, linkSpans }: { events: TimelineEvent[]; linkSpans?: boolean }) {
  if (!events.length) return <div className="muted">No events.</div>
  return (
    <VirtualList
      count={events.length}
      rowHeight={30}
      height={Math.min(events.length * 30 + 4, 520)}
      render={(i) => {
        const e = events[i]!
        return (
          <div className={`event-row ev-${e.event_type}`}>
            <span className="muted small mono">{e.timestamp.slice(11, 23)}</span>
            <span className={`badge small ev ${e.level === 'error' || e.event_type === 'span_failed' || e.event_type === 'exception' ? 'st-failed' : 'st-other'}`}>{e.event_type}</span>
            {linkSpans && e.span_id ? (
              <button className="link small ellipsis" onClick={() => setQuery({ tab: undefined, span: findSpanUuid(e) })}>
                {e.span_name ?? e.span_id}
              </button>
            ) : null}
            <span className="ellipsis">{describe(e)}</span>
          </div>
        )
      }}
    />
  )
}

// Timeline events name spans by their external id; the tree selects by row UUID.
let spanIndex: Map<string, string> = new Map()
function findSpanUuid(e: TimelineEvent): string | undefined {
  return e.span_id ? spanIndex.get(e.span_id) : undefined
}
export function indexSpans(spans: Span[]) {
  spanIndex = new Map(spans.map((s) => [s.span_id, s.id]))
}

function Logs({ events, trace }: { events: TimelineEvent[]; trace: TraceDetail }) {
  const [level, setLevel] = useState('all')
  const [text, setText] = useState('')
  const lines = events
    .filter((e) => e.source === 'explicit')
    .map((e) => {
      const lv = e.level ?? (e.event_type === 'error' || e.event_type === 'exception' ? 'error' : 'info')
      return { e, lv, line: `${e.timestamp} ${lv.toUpperCase().padEnd(5)} [${e.span_name ?? '-'}] ${e.event_type}: ${describe(e)}` }
    })
    .filter((l) => (level === 'all' || l.lv === level) && (!text || l.line.toLowerCase().includes(text.toLowerCase())))
  return (
    <div className="card">
      <div className="row">
        <select className="input small" value={level} onChange={(e) => setLevel(e.target.value)} aria-label="Level">
          {['all', 'debug', 'info', 'warning', 'error'].map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
        <input className="input small" placeholder="Search logs" value={text} onChange={(e) => setText(e.target.value)} />
        <button className="btn small" onClick={() => download(`trace-${trace.trace_id}.log`, lines.map((l) => l.line).join('\n') + '\n', 'text/plain')}>
          Download .log
        </button>
        <span className="muted small">{lines.length} lines</span>
      </div>
      <pre className="logs">
        {lines.map((l) => (
          <div key={l.e.id} className={`log-${l.lv}`}>
            {l.line}
          </div>
        ))}
      </pre>
    </div>
  )
}

function Metrics({ spans, events }: { spans: Span[]; events: TimelineEvent[] }) {
  const latencies = spans.filter((s) => s.latency_ms !== undefined).sort((a, b) => b.latency_ms! - a.latency_ms!)
  const top = latencies.slice(0, 10)
  const max = top[0]?.latency_ms ?? 1
  const buckets = [100, 500, 1000, 5000, 15000, Infinity]
  const hist = buckets.map((b, i) => ({ label: b === Infinity ? `> ${buckets[i - 1]! / 1000}s` : `≤ ${b < 1000 ? b + 'ms' : b / 1000 + 's'}`, n: latencies.filter((s) => s.latency_ms! <= b && (i === 0 || s.latency_ms! > buckets[i - 1]!)).length }))
  const hmax = Math.max(1, ...hist.map((h) => h.n))
  const tin = spans.reduce((a, s) => a + (s.tokens_in ?? 0), 0)
  const tout = spans.reduce((a, s) => a + (s.tokens_out ?? 0), 0)
  const byKind = new Map<string, number>()
  spans.forEach((s) => byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1))
  const models = new Map<string, number>()
  spans.forEach((s) => s.model && models.set(s.model, (models.get(s.model) ?? 0) + 1))
  const failed = spans.filter((s) => s.status === 'FAILED').length
  const truncated = spans.filter((s) => s.input_truncated || s.output_truncated).length
  const durations = useMemo(() => spanDurationSeries(spans), [spans])
  const metricSeries = useMemo(() => metricEventSeries(events), [events])
  return (
    <div className="metrics-grid">
      <div className="card">
        <h3>Slowest spans</h3>
        {top.map((s) => (
          <div key={s.id} className="bar-line">
            <button className="link ellipsis" onClick={() => setQuery({ tab: undefined, span: s.id })}>
              {s.name}
            </button>
            <div className="hbar">
              <div style={{ width: `${(s.latency_ms! / max) * 100}%` }} />
            </div>
            <span className="small">{fmtDuration(s.latency_ms)}</span>
          </div>
        ))}
      </div>
      <div className="card">
        <h3>Latency histogram</h3>
        {hist.map((h) => (
          <div key={h.label} className="bar-line">
            <span className="small">{h.label}</span>
            <div className="hbar">
              <div style={{ width: `${(h.n / hmax) * 100}%` }} />
            </div>
            <span className="small">{h.n}</span>
          </div>
        ))}
      </div>
      <div className="card">
        <h3>Tokens</h3>
        <div className="hbar split">
          <div style={{ width: `${(tin / Math.max(1, tin + tout)) * 100}%` }} title="input" />
        </div>
        <div className="small">
          {fmtInt(tin)} in · {fmtInt(tout)} out
        </div>
        <h3>Signals</h3>
        <div className="small">
          {[...byKind].map(([k, n]) => `${k.toLowerCase()} ${n}`).join(' · ')}
          <br />
          {failed} failed · {truncated} truncated · models: {[...models].map(([m, n]) => `${m} (${n})`).join(', ') || '—'}
        </div>
      </div>
      <div className="card wide" data-testid="span-sparklines">
        <h3>Durations by span name</h3>
        <div className="muted small">
          Each occurrence in start order, slowest first by total time{durations.groups > durations.series.length ? ` (top ${durations.series.length} of ${fmtInt(durations.groups)} names)` : ''}.
        </div>
        <SeriesTable series={durations.series} format={(v) => fmtDuration(v)} />
      </div>
      {metricSeries.length ? (
        <div className="card wide" data-testid="metric-sparklines">
          <h3>Metric events by span</h3>
          <div className="muted small">Values of `metric` events per span and metric name, in time order.</div>
          <SeriesTable series={metricSeries} format={(v, unit) => `${Number.isInteger(v) ? fmtInt(v) : v.toFixed(2)}${unit ? ` ${unit}` : ''}`} />
        </div>
      ) : null}
    </div>
  )
}

function Sparkline({ points, label }: { points: number[]; label: string }) {
  const w = 120
  const h = 24
  const line = sparklinePath(points, w, h)
  const lastXY = line.split(' ').pop()?.split(',')
  return (
    <svg className="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} data-points={points.length}>
      <polyline points={line} fill="none" />
      {lastXY ? <circle cx={lastXY[0]} cy={lastXY[1]} r={2} /> : null}
    </svg>
  )
}

function SeriesTable({ series, format }: { series: Series[]; format: (v: number, unit?: string) => string }) {
  if (!series.length) return <div className="muted">Nothing to chart.</div>
  return (
    <table className="table small series">
      <thead>
        <tr>
          <th>Name</th>
          <th>n</th>
          <th>Trend</th>
          <th>p50</th>
          <th>Max</th>
          <th>Last</th>
        </tr>
      </thead>
      <tbody>
        {series.map((s) => (
          <tr key={s.key} data-series={s.label}>
            <td className="ellipsis">
              {s.slowestId ? (
                <button className="link" title="Select the slowest occurrence" onClick={() => setQuery({ tab: undefined, span: s.slowestId })}>
                  {s.label}
                </button>
              ) : (
                s.label
              )}
              {s.failed ? <span className="badge small st-failed">{s.failed} failed</span> : null}
            </td>
            <td>{fmtInt(s.count)}</td>
            <td>
              <Sparkline points={s.points} label={`${s.label}: ${s.count} values from ${format(s.min, s.unit)} to ${format(s.max, s.unit)}`} />
            </td>
            <td>{format(s.p50, s.unit)}</td>
            <td>{format(s.max, s.unit)}</td>
            <td>{format(s.last, s.unit)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
