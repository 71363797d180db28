import type pg from 'pg'
import { noticeChanges, type ChangeNotice } from '../db/change-notices.js'
import { activityTask, prepared, type NewEvent, type RunRow } from '../db/engine-store.js'
import { claimedTasks, insertTasksSql, TASK_SPEC_COLUMNS, taskJobsSql, type ClaimedTask, type Fence } from './activities.js'
import {
  addEventsSql,
  bumpChangeSql,
  CLOSE_COLUMNS,
  closeSpansSql,
  EVENT_COLUMNS,
  OPEN_COLUMNS,
  openSpansSql,
  rootSpan,
  stepProjection,
  traceIdOf,
  type FinalParts,
} from './projection.js'
import { MOVING_STATUSES } from './types.js'

// Group commit for the usual step: an activity completed, and the code asked for more activities.
// Each such step is one guarded statement on its own (see commit.ts, speculate); under load most
// of that statement's cost is fixed (executor start-up of a dozen CTEs, constraint set-up, the
// commit's WAL flush, the round trip), not per row. Steps that become ready while earlier ones are
// being written wait and then go together, in one set-based statement: each run's rows are keyed
// by its position `i`, every write of a run depends on that run's own guard, and a run whose guard
// fails writes nothing while the others commit. A step that finds nothing in flight goes at once,
// so batching adds no latency to a lone run.

/** One run's step, ready to write (built by commit.ts). */
export interface BatchedStep {
  /** The run as the worker's execution left it (status, last_seq and version are what the guard checks). */
  run: RunRow
  seenVersion: number
  fence: Fence
  output: unknown
  /** The completion first, then the new commands' events. */
  events: NewEvent[]
  /** Task rows as commit.ts's taskSpec builds them (`owner` set when claimed for eager execution). */
  tasks: object[]
  waitingFor: unknown
  /** The step's trace writes (stepProjection). */
  projection: StepProjection
}

type StepProjection = Pick<FinalParts, 'opens' | 'closes' | 'events'>

/** What became of a step: written (with the tasks it claimed for this worker), or not (the run moved on). */
export type BatchOutcome = { applied: true; tasks: ClaimedTask[] } | { applied: false }

interface Pending {
  step: BatchedStep
  resolve: (outcome: BatchOutcome) => void
  reject: (err: unknown) => void
}

// Deadlock or serialization failure: the statement wrote nothing, so each step can take the
// checked path on its own.
const NOTHING_WRITTEN = new Set(['40P01', '40001'])

export class StepBatcher {
  private queue: Pending[] = []
  private inFlight = 0

  /**
   * `concurrency`: statements in flight at once (steps arriving meanwhile wait for the next one);
   * `maxSize`: steps per statement. `onFlush` reports each statement's size (tests, metrics).
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { concurrency?: number; maxSize?: number; onFlush?: (size: number) => void } = {},
  ) {}

  /** Steps waiting for a statement slot. */
  get queued(): number {
    return this.queue.length
  }

  /** Writes the step with whatever else is ready; resolves once its statement has committed. */
  submit(step: BatchedStep): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ step, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    while (this.queue.length && this.inFlight < (this.options.concurrency ?? 2)) {
      const batch = this.queue.splice(0, this.options.maxSize ?? 64)
      this.inFlight++
      void this.write(batch).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    this.options.onFlush?.(batch.length)
    let rows: Array<{ i: number; applied: boolean; tasks: unknown; change: ChangeNotice | null }>
    try {
      rows = (await this.pool.query(prepared(stepSql(), stepParams(batch.map((p) => p.step))))).rows
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      for (const p of batch) {
        if (NOTHING_WRITTEN.has(code)) p.resolve({ applied: false })
        else p.reject(err)
      }
      return
    }
    const changes: ChangeNotice[] = []
    const answered = new Set<number>()
    for (const row of rows) {
      const p = batch[row.i]!
      answered.add(row.i)
      if (!row.applied) {
        p.resolve({ applied: false })
        continue
      }
      if (row.change) changes.push(row.change)
      p.resolve({ applied: true, tasks: claimedTasks(row.tasks) })
    }
    noticeChanges(this.pool, changes)
    // Every step gets an answer; one the statement did not report on is an error, never a guess.
    batch.forEach((p, i) => answered.has(i) || p.reject(new Error('group commit returned no row for a step')))
  }
}

/** The statement's parameters: one JSON array per kind of row, each row tagged with its step's `i`. */
function stepParams(steps: BatchedStep[]): unknown[] {
  const runs: unknown[] = []
  const history: unknown[] = []
  const tasks: unknown[] = []
  const opens: unknown[] = []
  const closes: unknown[] = []
  const events: unknown[] = []
  steps.forEach((s, i) => {
    const first = s.run.last_seq + 1
    runs.push({
      i,
      project_id: s.run.project_id,
      run_id: s.run.id,
      last_seq: s.run.last_seq,
      version: s.seenVersion,
      task_id: s.fence.taskId,
      owner: s.fence.owner,
      attempt: s.fence.attempt ?? null,
      lease: s.fence.requireLease ?? false,
      output: s.output ?? null,
      new_last_seq: s.run.last_seq + s.events.length,
      waiting_for: s.waitingFor,
      trace: traceIdOf(s.run.id),
      root: rootSpan(s.run.id),
    })
    s.events.forEach((e, k) => history.push({ i, seq: first + k, type: e.type, payload: e.payload, created_at: e.createdAt?.toISOString() ?? null }))
    for (const t of s.tasks) tasks.push({ ...t, i })
    for (const o of s.projection.opens) opens.push({ ...o, i })
    for (const c of s.projection.closes) closes.push({ ...c, i })
    for (const e of s.projection.events) events.push({ ...e, i })
  })
  return [runs, history, tasks, opens, closes, events, activityTask('')].map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
}

/**
 * A step's trace writes, when they fit the batched statement (spans opened and closed, events
 * added); null otherwise.
 */
export function batchableProjection(run: RunRow, events: NewEvent[]): StepProjection | null {
  const first = run.last_seq + 1
  return stepProjection(run, events.map((e, k) => ({ seq: first + k, type: e.type, payload: e.payload })))
}

// Runs are locked in id order, so two statements with overlapping runs cannot deadlock each
// other. Every write joins `ok`: the steps whose run passed its guard and whose task the fence
// let this worker complete. Built on first use (it is made from other modules' parts).
let stepText: string | undefined
function stepSql(): string {
  if (stepText) return stepText
  const to = { project: 't.project_id', trace: 't.tid', seq: 't.last_seq' }
  const tagged = (param: string, columns: string) => `json_to_recordset(${param}::json) as x(i int, ${columns}) join t on t.i = x.i`
  stepText = `with x as materialized (
    select * from json_to_recordset($1::json) as x(i int, project_id uuid, run_id uuid, last_seq int, version int, task_id uuid, owner text,
      attempt int, lease boolean, output jsonb, new_last_seq int, waiting_for jsonb, trace text, root text)),
  g0 as materialized (select r.id, r.status, r.activation_version, r.last_seq from engine.runs r where r.id in (select run_id from x) order by r.id for no key update),
  ga as (
    update engine.activity_tasks t set status = 'completed', output = x.output, completed_at = now(), lease_expires_at = null
    from x join g0 on g0.id = x.run_id
    where g0.status in (${MOVING_STATUSES.map((st) => `'${st}'`).join(', ')}) and g0.last_seq = x.last_seq and g0.activation_version = x.version
      and t.id = x.task_id and t.run_id = x.run_id and t.status = 'claimed' and t.owner = x.owner
      and (x.attempt is null or t.attempt = x.attempt) and (not x.lease or t.lease_expires_at is null or t.lease_expires_at > now())
    returning x.i),
  ok as materialized (select x.* from x where x.i in (select i from ga)),
  h as (
    insert into engine.history (project_id, run_id, sequence_no, event_type, payload, created_at)
    select ok.project_id, ok.run_id, e.seq, e.type, e.payload, coalesce(e.created_at, now())
    from json_to_recordset($2::json) as e(i int, seq int, type text, payload jsonb, created_at timestamptz) join ok on ok.i = e.i
    returning 1),
  tk as (${insertTasksSql(`json_to_recordset($3::json) as k(i int, ${TASK_SPEC_COLUMNS}) join ok on ok.i = k.i`, 'ok.project_id', 'ok.run_id')}),
  tj as (${taskJobsSql('$7')}),
  n as (${bumpChangeSql('ok.project_id', 'ok.trace', 'from ok')}),
  t as materialized (
    select ok.i, ok.project_id, ok.root, tr.id as tid, n.last_seq
    from ok join traces tr on tr.engine_run_id = ok.run_id join n on n.project_id = ok.project_id and n.trace_id = ok.trace),
  op as (${openSpansSql(tagged('$4', OPEN_COLUMNS), { ...to, root: 't.root' })}),
  cl as (${closeSpansSql(tagged('$5', CLOSE_COLUMNS), to)}),
  ins as (${addEventsSql(tagged('$6', EVENT_COLUMNS), to)}),
  u as (
    update engine.runs r set last_seq = ok.new_last_seq, updated_at = now(), status = 'waiting', waiting_for = ok.waiting_for,
      activation_version = r.activation_version + 1
    from ok where r.id = ok.run_id returning ok.i)
  select x.i, exists (select 1 from u where u.i = x.i) as applied,
    (select coalesce(json_agg(tk), '[]'::json) from tk where tk.run_id = x.run_id and tk.owner is not null) as tasks,
    (select json_build_object('p', t.project_id::text, 't', t.tid, 's', t.last_seq) from t where t.i = x.i) as change
  from x`
  return stepText
}
