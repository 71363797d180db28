import type pg from 'pg'
import type { ChangeNotice } from '../db/change-notices.js'
import { prepared, type RunRow } from '../db/engine-store.js'

// Every run is also a trace. History events are mirrored into traces / spans / span_events in
// the same transaction that appends them, so the debugger is never behind the engine:
//   trace  `engine:<run>`                       one per run (children and continuations get their own)
//   span   `engine:root:<run>`                  the run (type chain)
//   span   `engine:activity:<run>:<key>:<n>`    one per activity attempt, so retries are visible
//   events on the root span for waits, signals, decisions and everything else.

const pq = <R extends pg.QueryResultRow = pg.QueryResultRow>(c: pg.PoolClient, text: string, values: unknown[]) => c.query<R>(prepared(text, values))

interface Projected {
  seq: number
  type: string
  payload: Record<string, unknown>
}

interface EventRow {
  span_id: string
  event_type: string
  level: string
  message: string
  payload: Record<string, unknown>
  sequence: number
}

const TERMINAL_TRACE_STATUS: Record<string, 'completed' | 'failed'> = {
  'workflow.completed': 'completed',
  'workflow.continued_as_new': 'completed',
  'workflow.failed': 'failed',
  'workflow.cancelled': 'failed',
  'workflow.terminated': 'failed',
}

export const traceIdOf = (runId: string) => `engine:${runId}`
export const rootSpan = (runId: string) => `engine:root:${runId}`
const activitySpan = (runId: string, key: unknown, attempt: number) => `engine:activity:${runId}:${String(key)}:${attempt}`

/**
 * Projects everything a transaction appended, just before it commits (see withTx). The final
 * statement of each run is a prepared statement: planning it on every call cost more than the
 * extra round trip to COMMIT that preparing it needs.
 */
export async function flushProjection(c: pg.PoolClient, pending: Map<string, { run: RunRow; events: Projected[] }>): Promise<ChangeNotice[]> {
  const changes: ChangeNotice[] = []
  for (const { run, events } of pending.values()) {
    const change = await projectEvents(c, run, events)
    if (change) changes.push(change)
  }
  return changes
}

// Rows written before the change number is known carry this placeholder; the last statement of
// the flush takes the trace's next change number and puts it in place. Taking the number last
// keeps the trace's counter row locked only from that statement to commit.
const PENDING_CHANGE = -1

/**
 * What projecting these events takes: writes that need a statement of their own (in order,
 * before the final statement), and the final statement's parts.
 */
interface ProjectionPlan {
  direct: Array<(c: pg.PoolClient) => Promise<void>>
  final: FinalParts
}

async function projectEvents(c: pg.PoolClient, run: RunRow, events: Projected[]): Promise<ChangeNotice | null> {
  const plan = planProjection(run, events)
  for (const write of plan.direct) await write(c)
  const final = finalStatement(plan.final)
  const { rows } = await pq<{ change: ChangeNotice | null }>(c, final.text, final.values)
  return rows[0]?.change ?? null
}

/**
 * The projection of a step as CTEs (and `returning` expressions) for the statement that appends
 * its history, saving a round trip; null when it needs more than one statement (see planProjection).
 */
export function inlineProjection(run: RunRow, events: Projected[], param: (value: unknown) => string, gate = 'true', runStatus?: string): { ctes: string; returning: string } | null {
  const plan = planProjection(run, events)
  plan.final.runStatus = runStatus
  if (plan.direct.length) return null
  // A gated statement (a speculative commit) never opens a trace: keep that path simple.
  if (gate !== 'true' && plan.final.open) return null
  const parts = finalCtes(plan.final, param, gate)
  return { ctes: parts.ctes.join(',\n     '), returning: parts.change }
}

/**
 * A step's projection when it is only spans opened and closed and events added (no trace to open
 * or close, no write of its own): the parts a batched step commit writes. Null otherwise.
 */
export function stepProjection(run: RunRow, events: Projected[]): Pick<FinalParts, 'opens' | 'closes' | 'events'> | null {
  const plan = planProjection(run, events)
  const f = plan.final
  if (plan.direct.length || f.open || f.end || f.terminal) return null
  return { opens: f.opens, closes: f.closes, events: f.events }
}

function planProjection(run: RunRow, events: Projected[]): ProjectionPlan {
  const change = PENDING_CHANGE
  const direct: ProjectionPlan['direct'] = []
  const out: EventRow[] = []
  let terminal = false
  // The common activity spans (opened when scheduled, closed by the outcome) ride in the final
  // statement. A span written twice in one flush goes the statement-per-write way instead, so no
  // row is touched by two parts of one statement.
  const opens: Array<{ span_id: string; name: string; input: unknown; metadata: unknown }> = []
  const closes: Array<{ span_id: string; status: string; message: string | null; output: unknown }> = []
  const touched = new Set<string>()
  // A run end the final statement applies itself (trace and root span closed, open spans failed).
  let end: { status: string; output: unknown; message: string | null } | null = null
  let open: { instanceKey: string; input: unknown } | null = null
  const flushOpens = () => {
    for (const o of opens.splice(0)) direct.push((c) => upsertSpan(c, run, o.span_id, o.name, { input: o.input, attempt: 1 }, change))
  }

  for (const ev of events) {
    const p = ev.payload
    let k = 0
    const ev0 = (event_type: string, message: string, extra: Record<string, unknown> = {}, level = 'info', span = rootSpan(run.id)) => {
      k++
      out.push({ span_id: span, event_type, level, message, payload: { ...extra, engine_event_type: ev.type, engine_sequence_no: ev.seq }, sequence: ev.seq * 10 + k })
    }

    switch (ev.type) {
      case 'workflow.started':
        // A run's first flush (that does not also end it) creates its trace in the final statement.
        if (ev === events[0] && !events.some((e) => TERMINAL_TRACE_STATUS[e.type])) open = { instanceKey: String(p.instance_key ?? ''), input: p.input ?? null }
        else direct.push((c) => openTrace(c, run, p, change))
        ev0('state_change', `run ${run.run_number} started`, { run_number: run.run_number })
        break
      case 'activity.scheduled':
      {
        const span = activitySpan(run.id, p.activity_key, 1)
        if (touched.has(span)) direct.push((c) => upsertSpan(c, run, span, String(p.activity_type), { input: p.input, attempt: 1 }, change))
        else opens.push({ span_id: span, name: String(p.activity_type), input: p.input ?? null, metadata: { engine_attempt: 1 } })
        touched.add(span)
      }
        ev0('wait', `waiting for activity ${String(p.activity_type)}`, { wait_kind: 'activity', phase: 'entered', wait_id: `activity:${String(p.activity_key)}` })
        break
      case 'activity.retry_scheduled': {
        const n = Number(p.failed_attempt)
        flushOpens()
        direct.push(
          (c) => closeSpan(c, run, activitySpan(run.id, p.activity_key, n), 'failed', { error_code: p.error_code, error_message: p.error_message }, String(p.error_message ?? ''), change),
          (c) => upsertSpan(c, run, activitySpan(run.id, p.activity_key, n + 1), String(p.activity_type), { attempt: n + 1, next_available_at: p.next_available_at }, change),
        )
        touched.add(activitySpan(run.id, p.activity_key, n)).add(activitySpan(run.id, p.activity_key, n + 1))
        ev0('log', `activity ${String(p.activity_type)} attempt ${n} failed; retry scheduled`, p, 'warning')
        break
      }
      case 'activity.completed':
      case 'activity.failed': {
        const ok = ev.type === 'activity.completed'
        const span = activitySpan(run.id, p.activity_key, Number(p.attempts ?? 1))
        const close = { span_id: span, status: ok ? 'completed' : 'failed', output: ok ? (p.output ?? null) : { error_code: p.error_code, error_message: p.error_message }, message: ok ? null : String(p.error_message ?? '') }
        if (touched.has(span)) {
          flushOpens()
          direct.push((c) => closeSpan(c, run, span, close.status as 'completed' | 'failed', close.output, close.message, change))
        } else closes.push(close)
        touched.add(span)
        ev0('decision', `activity ${String(p.activity_type)} ${ok ? 'completed' : 'failed'}`, { question: `activity:${String(p.activity_key)}:outcome`, chosen: ok ? 'completed' : 'failed' })
        ev0('wait', 'activity resolved', { wait_kind: 'activity', phase: 'resolved', wait_id: `activity:${String(p.activity_key)}`, resolution: ok ? 'completed' : 'failed' })
        break
      }
      case 'timer.scheduled':
        ev0('wait', `sleeping ${String(p.duration_ms)} ms`, { wait_kind: 'timer', phase: 'entered', wait_id: `timer:${String(p.timer_key)}`, due_at: p.due_at })
        break
      case 'timer.fired':
        ev0('wait', 'timer fired', { wait_kind: 'timer', phase: 'resolved', wait_id: `timer:${String(p.timer_key)}`, resolution: 'fired' })
        break
      case 'signal.received':
        ev0('message', `signal ${String(p.signal_name)}`, { signal_name: p.signal_name, signal_payload: p.payload })
        break
      case 'cancel.requested':
        ev0('state_change', 'cancel requested', {}, 'warning')
        break
      default:
        if (TERMINAL_TRACE_STATUS[ev.type]) {
          terminal = true
          if (direct.length || opens.length) {
            flushOpens()
            for (const x of closes.splice(0)) direct.push((c) => closeSpan(c, run, x.span_id, x.status as 'completed' | 'failed', x.output, x.message, change))
            direct.push((c) => closeTrace(c, run, ev.type, p, change))
          } else end = endOf(ev.type, p) // the common end: no extra round trips
          ev0('state_change', ev.type.replace('workflow.', 'run '), p, TERMINAL_TRACE_STATUS[ev.type] === 'failed' ? 'error' : 'info')
        } else {
          ev0('custom', ev.type, { ...p, __continua_original_event_type: ev.type })
        }
    }
  }

  return { direct, final: { run, events: out, opens, closes, end, direct: direct.length > 0, terminal, open } }
}

/**
 * The last statement of a run's flush, in one round trip: the trace's next change number, spans
 * opened and closed, events, placeholder change numbers replaced, the run's end and totals on its
 * trace and root span, and what changed (for the notice). Only the parts this flush needs are in
 * the text (each shape is prepared once per connection): an empty part still costs the executor
 * its set-up.
 */
export interface FinalParts {
  run: RunRow
  events: EventRow[]
  opens: Array<{ span_id: string; name: string; input: unknown; metadata: unknown }>
  closes: Array<{ span_id: string; status: string; message: string | null; output: unknown }>
  end: { status: string; output: unknown; message: string | null } | null
  /** Rows with the placeholder change number were written before this statement. */
  direct: boolean
  /** The run ended in this flush (its end is `end`, or was written directly). */
  terminal: boolean
  /** Create the run's session, trace and root span here (its first flush). */
  open: { instanceKey: string; input: unknown } | null
  /**
   * The run's status once the statement holding these parts has run, when that statement sets it
   * (an inline projection): reading engine.runs there would see the status before it.
   */
  runStatus?: string
}

function finalStatement(f: FinalParts): { text: string; values: unknown[] } {
  const values: unknown[] = []
  const p = (value: unknown) => {
    values.push(value)
    return `$${values.length}`
  }
  const { ctes, change } = finalCtes(f, p)
  return { text: `with ${ctes.join(',\n     ')}\n     select ${change}`, values }
}

/**
 * A trace's totals as the rollup job computes them (db/ingest-rollup.ts), over its spans as they
 * will be after the statement: `failed` (SQL over span `s`) says which of them count as failed.
 * `set` goes into an update of traces `tr` whose `from` holds `t` and `from`.
 */
function traceTotals(failed: string, spansJoin = ''): { set: string; from: string } {
  return {
    set: `total_spans = a.span_count, total_tokens_in = a.tokens_in, total_tokens_out = a.tokens_out, total_cache_read_tokens = a.cache_read,
         total_cache_write_tokens = a.cache_write, total_reasoning_tokens = a.reasoning, total_cost = a.cost,
         error_count = a.failed_spans + (select count(*)::int from span_events ev where ev.trace_id = t.id and ev.event_type in ('error', 'exception')),
         rolled_up_version = tr.version`,
    from: `(
         select count(*)::int as span_count,
           coalesce(sum(s.prompt_tokens), 0)::bigint as tokens_in, coalesce(sum(s.completion_tokens), 0)::bigint as tokens_out,
           coalesce(sum(s.cache_read_tokens), 0)::bigint as cache_read, coalesce(sum(s.cache_write_tokens), 0)::bigint as cache_write,
           coalesce(sum(s.reasoning_tokens), 0)::bigint as reasoning, coalesce(sum(s.total_cost), 0)::numeric(24, 12) as cost,
           count(*) filter (where ${failed})::int as failed_spans
         from t join spans s on s.trace_id = t.id${spansJoin}
       ) a`,
  }
}

// The writes a step's projection makes, shared by the final statement (one run) and the batched
// step statement (step-batch.ts, many runs). `rows` is a from-list holding the JSON rows as `x`
// (over the columns below) and the trace; `project`, `trace` (the trace's row id) and `seq` (its
// new change number) are SQL over it.
export const OPEN_COLUMNS = 'span_id text, name text, input jsonb, metadata jsonb'
export const CLOSE_COLUMNS = 'span_id text, status text, message text, output jsonb'
export const EVENT_COLUMNS = 'span_id text, event_type text, level text, sequence integer, message text, payload jsonb'
interface PartTarget {
  project: string
  trace: string
  seq: string
}

/** Takes the trace's next change number (a trace's first counter starts above the old project-wide one). */
export function bumpChangeSql(project: string, trace: string, from: string): string {
  return `insert into trace_change_counters as tc (project_id, trace_id, last_seq)
       select ${project}, ${trace}, coalesce((select pc.last_seq from project_change_counters pc where pc.project_id = ${project}), 0) + 1 ${from}
       on conflict (project_id, trace_id) do update set last_seq = tc.last_seq + 1 returning project_id, trace_id, last_seq`
}

/** Activity spans opened (under `root`); a span already there is left alone. */
export function openSpansSql(rows: string, to: PartTarget & { root: string }): string {
  return `insert into spans (project_id, trace_id, span_id, parent_span_id, name, type, status, start_time, input, metadata, change_seq, first_change_seq)
       select ${to.project}, ${to.trace}, x.span_id, ${to.root}, x.name, 'tool', 'running', now(), coalesce(x.input, 'null'::jsonb), x.metadata, ${to.seq}, ${to.seq}
       from ${rows}
       on conflict (trace_id, span_id) do nothing returning 1`
}

/** Spans closed with their status, message and output; `where` narrows further. */
export function closeSpansSql(rows: string, to: PartTarget, where = ''): string {
  return `update spans s set status = x.status, status_message = x.message, output = coalesce(x.output, 'null'::jsonb), end_time = now(),
         duration_ms = (extract(epoch from now() - s.start_time) * 1000)::bigint, change_seq = ${to.seq}, updated_at = now()
       from ${rows}
       where s.trace_id = ${to.trace}${where} and s.span_id = x.span_id returning 1`
}

/**
 * Events added. No idempotency keys: an event is written in the transaction that appends the
 * history it mirrors, so exactly once, and repair writes only into traces whose events purge
 * removed. (A key cost a unique-index entry per event.)
 */
export function addEventsSql(rows: string, to: PartTarget): string {
  return `insert into span_events (project_id, trace_id, span_id, event_type, level, event_ts, sequence, message, payload, change_seq)
       select ${to.project}, ${to.trace}, x.span_id, x.event_type, x.level, now(), x.sequence, x.message, x.payload, ${to.seq}
       from ${rows}
       returning 1`
}

/**
 * The final statement's CTEs, with `p` binding values (so another statement can hold them). Every
 * write reads `n`, the change number, which is taken only when `gate` (SQL) holds.
 */
function finalCtes(f: FinalParts, p: (value: unknown) => string, gate = 'true'): { ctes: string[]; change: string } {
  const project = p(f.run.project_id)
  const trace = p(traceIdOf(f.run.id))
  // Bound only where used: Postgres cannot type a parameter no part of the text reads.
  let statusSql: string | undefined
  const runStatus = () => (statusSql ??= runStatusSql(p, f.run.id, f.runStatus))
  const ctes = [`n as (${bumpChangeSql(`${project}::uuid`, `${trace}::text`, `where ${gate}`)})`]
  // Data-modifying CTEs run whether or not anything reads them.
  const part = (name: string, sql: string) => ctes.push(`${name} as (${sql})`)
  if (f.open) {
    const open = openParts(p, f.run, f.open, runStatus())
    ctes.push(...open.ctes)
    part('rt', open.rootSpan)
  } else ctes.push(`t as (select id from traces where engine_run_id = ${p(f.run.id)}::uuid)`)
  const root = rootSpan(f.run.id)
  const to = { project, trace: 't.id', seq: 'n.last_seq' }
  if (f.opens.length) part('op', openSpansSql(`t, n, json_to_recordset(${p(JSON.stringify(f.opens))}::json) as x(${OPEN_COLUMNS})`, { ...to, root: p(root) }))
  const closes = f.closes.length ? p(JSON.stringify(f.closes)) : null
  if (closes) {
    part('cl', closeSpansSql(`t, n, json_to_recordset(${closes}::json) as x(${CLOSE_COLUMNS})`, to, ` and s.span_id = any(${p(f.closes.map((x) => x.span_id))}::text[])`))
  }
  if (f.events.length) part('ins', addEventsSql(`t, n, json_to_recordset(${p(JSON.stringify(f.events))}::json) as x(${EVENT_COLUMNS})`, to))
  if (f.direct) {
    part(
      'sp',
      `update spans s set change_seq = n.last_seq, first_change_seq = case when s.first_change_seq = ${PENDING_CHANGE} then n.last_seq else s.first_change_seq end
       from t, n where s.trace_id = t.id and s.change_seq = ${PENDING_CHANGE} returning 1`,
    )
  }
  // The trace row itself changes only when written in this flush (placeholder) or at the end:
  // rewriting it on every step would touch all of its indexes for nothing.
  if (f.end) {
    const status = p(f.end.status)
    const output = p(JSON.stringify(f.end.output))
    const rootId = p(root)
    // The root span takes the run's status, spans closed here their own, spans still running
    // fail (rs below). An ending flush opens no spans and writes no error events.
    const totals = traceTotals(
      `case when s.span_id = ${rootId} then ${status} = 'failed'${closes ? ` when x.status is not null then x.status = 'failed'` : ''}
         when s.status = 'running' then true else s.status = 'failed' end`,
      closes ? ` left join json_to_recordset(${closes}::json) as x(span_id text, status text) on x.span_id = s.span_id` : '',
    )
    part(
      'upd',
      `update traces tr set change_seq = n.last_seq, updated_at = now(), status = ${status}, output = ${output}::jsonb, end_time = now(), engine_run_status = ${runStatus()},
         duration_ms = (extract(epoch from now() - tr.start_time) * 1000)::bigint, ${totals.set}
       from t, n, ${totals.from}
       where tr.id = t.id returning 1`,
    )
    const closing = f.closes.map((x) => x.span_id)
    part(
      'rs',
      `update spans s set status = case when s.span_id = ${rootId} then ${status} else 'failed' end,
         status_message = case when s.span_id = ${rootId} then ${p(f.end.message)}::text else 'run ended' end,
         output = case when s.span_id = ${rootId} then ${output}::jsonb else s.output end, end_time = now(),
         duration_ms = case when s.span_id = ${rootId} then (extract(epoch from now() - s.start_time) * 1000)::bigint else s.duration_ms end,
         change_seq = n.last_seq, updated_at = now()
       from t, n where s.trace_id = t.id and (s.span_id = ${rootId} or s.status = 'running') and s.span_id <> all(${p(closing)}::text[])
       returning 1`,
    )
  } else if (f.direct) {
    // A run that ended through direct writes (closeTrace) has its spans final by now.
    const totals = f.terminal ? traceTotals(`s.status = 'failed'`) : undefined
    part(
      'upd',
      `update traces tr set change_seq = n.last_seq, updated_at = now()${totals ? `, ${totals.set}` : ''}
       from t, n${totals ? `, ${totals.from}` : ''} where tr.id = t.id and tr.change_seq = ${PENDING_CHANGE} returning 1`,
    )
  }
  // What changed, for the notice sent after commit (db/change-notices.ts); null when gated out.
  const change = `(select json_build_object('p', ${project}::text, 't', t.id, 's', n.last_seq) from t, n) as change`
  return { ctes, change }
}

/**
 * The trace's engine_run_status: the status the statement sets, when given, else the run's row as
 * the statement sees it (before a commit, after everything else the transaction wrote). The
 * status trigger (migration 15) then finds the trace already showing it and writes nothing.
 */
function runStatusSql(p: (value: unknown) => string, runId: string, known?: string): string {
  return known ? `${p(known)}::text` : `(select status from engine.runs where id = ${p(runId)}::uuid)`
}

/**
 * A run's session, trace and root span, as CTEs over `n` (its change number): `s` and `t` (the
 * trace's id), and the root span insert. Both ways of opening a trace use them.
 */
function openParts(p: (value: unknown) => string, r: RunRow, open: { instanceKey: string; input: unknown }, runStatus: string): { ctes: string[]; rootSpan: string } {
  const project = p(r.project_id)
  const name = p(r.definition_name)
  const input = p(JSON.stringify(open.input))
  const key = p(open.instanceKey)
  const runId = p(r.id)
  const meta = { run_id: r.id, instance_key: open.instanceKey, definition_name: r.definition_name, definition_version: r.definition_version, run_number: r.run_number }
  return {
    ctes: [
      `s as (
         insert into sessions (project_id, external_id, name) values (${project}, ${key}, ${key})
         on conflict (project_id, external_id) do update set last_activity_at = now(), updated_at = now() returning id)`,
      `t as (
         insert into traces (project_id, session_id, trace_id, name, metadata, input, status, status_explicit, start_time, change_seq,
           engine_run_id, engine_instance_key, engine_definition_name, engine_definition_version, engine_run_status, engine_parent_run_id, engine_root_run_id)
         select ${project}, s.id, ${p(traceIdOf(r.id))}, ${name}, ${p(JSON.stringify({ engine: { ...meta, continued_from_run_id: r.continued_from_run_id, parent_run_id: r.parent_run_id } }))}::jsonb,
           ${input}::jsonb, 'running', true, now(), n.last_seq, ${runId}::uuid, ${key}, ${name}, ${p(r.definition_version)},
           ${runStatus}, ${p(r.parent_run_id)}::uuid, ${p(r.root_run_id)}::uuid
         from s, n
         -- A trace already under this id (sent by a client) becomes the run's: steps find it by engine_run_id.
         on conflict (project_id, trace_id) do update set updated_at = now(), engine_run_id = excluded.engine_run_id,
           engine_instance_key = excluded.engine_instance_key, engine_definition_name = excluded.engine_definition_name,
           engine_definition_version = excluded.engine_definition_version, engine_run_status = excluded.engine_run_status,
           engine_parent_run_id = excluded.engine_parent_run_id, engine_root_run_id = excluded.engine_root_run_id
         returning id)`,
    ],
    rootSpan: `insert into spans (project_id, trace_id, span_id, parent_span_id, name, type, status, start_time, input, metadata, change_seq, first_change_seq)
       select ${project}, t.id, ${p(rootSpan(r.id))}, null, ${name}, 'chain', 'running', now(), ${input}::jsonb, '{}'::jsonb, n.last_seq, n.last_seq from t, n
       on conflict (trace_id, span_id) do nothing returning 1`,
  }
}

/** Opens a run's trace on its own statement, with the flush's placeholder change number. */
async function openTrace(c: pg.PoolClient, run: RunRow, payload: Record<string, unknown>, change: number): Promise<void> {
  const values: unknown[] = []
  const p = (value: unknown) => {
    values.push(value)
    return `$${values.length}`
  }
  const open = openParts(p, run, { instanceKey: String(payload.instance_key ?? ''), input: payload.input ?? null }, runStatusSql(p, run.id))
  await pq(c, `with n as (select ${p(change)}::bigint as last_seq), ${open.ctes.join(', ')} ${open.rootSpan}`, values)
}

async function upsertSpan(
  c: pg.PoolClient,
  run: RunRow,
  spanId: string,
  name: string,
  o: { input?: unknown; attempt?: number; type?: string; parent?: string | null; next_available_at?: unknown },
  change: number,
): Promise<void> {
  await pq(c,
    `insert into spans (project_id, trace_id, span_id, parent_span_id, name, type, status, start_time, input, metadata, change_seq, first_change_seq)
     select $1, t.id, $3, $4, $5, $6, 'running', now(), $7::jsonb, $8::jsonb, $9, $9
     from traces t where t.engine_run_id = $2::uuid
     on conflict (trace_id, span_id) do nothing`,
    [
      run.project_id,
      run.id,
      spanId,
      o.parent === undefined ? rootSpan(run.id) : o.parent,
      name,
      o.type ?? 'tool',
      JSON.stringify(o.input ?? null),
      JSON.stringify(o.attempt ? { engine_attempt: o.attempt } : {}),
      change,
    ],
  )
}

async function closeSpan(c: pg.PoolClient, run: RunRow, spanId: string, status: 'completed' | 'failed', output: unknown, message: string | null, change: number): Promise<void> {
  await pq(c,
    `update spans s set status = $3, status_message = $4, output = $5::jsonb, end_time = now(),
       duration_ms = (extract(epoch from now() - s.start_time) * 1000)::bigint, change_seq = $6, updated_at = now()
     from traces t where t.engine_run_id = $1::uuid and s.trace_id = t.id and s.span_id = $2`,
    [run.id, spanId, status, message, JSON.stringify(output ?? null), change],
  )
}

/** How a run's end shows on its trace and root span. */
function endOf(type: string, p: Record<string, unknown>): { status: string; output: unknown; message: string | null } {
  const status = TERMINAL_TRACE_STATUS[type]!
  const output = type === 'workflow.completed' ? (p.result ?? null) : type === 'workflow.continued_as_new' ? { continued_as_new: true, input: p.input ?? null } : { error_code: p.error_code ?? type.slice(9), error_message: p.error_message ?? null, status: type.slice(9) }
  return { status, output, message: status === 'failed' ? String(p.error_message ?? type) : null }
}

async function closeTrace(c: pg.PoolClient, run: RunRow, type: string, p: Record<string, unknown>, change: number): Promise<void> {
  const { status, output } = endOf(type, p)
  // One round trip: the trace, its root span, and activities still open when the run ended
  // (cancel, terminate, continue-as-new). Each CTE updates different rows.
  await pq(c,
    `with tr as (
       update traces set status = $2, output = $3::jsonb, end_time = now(), duration_ms = (extract(epoch from now() - start_time) * 1000)::bigint,
         change_seq = $4, updated_at = now(), engine_run_status = (select status from engine.runs where id = $1::uuid) where engine_run_id = $1::uuid returning id),
     root as (
       update spans s set status = $2, status_message = $6, output = $3::jsonb, end_time = now(),
         duration_ms = (extract(epoch from now() - s.start_time) * 1000)::bigint, change_seq = $4, updated_at = now()
       from tr where s.trace_id = tr.id and s.span_id = $5 returning 1)
     update spans s set status = 'failed', status_message = 'run ended', end_time = now(), change_seq = $4, updated_at = now()
     from tr where s.trace_id = tr.id and s.status = 'running' and s.span_id <> $5`,
    [run.id, status, JSON.stringify(output), change, rootSpan(run.id), status === 'failed' ? String(p.error_message ?? type) : null],
  )
}
