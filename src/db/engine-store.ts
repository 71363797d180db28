import { createHash } from 'node:crypto'
import type pg from 'pg'
import { flushProjection, inlineProjection } from '../engine/projection.js'
import { isMoving, MOVING_STATUSES } from '../engine/types.js'
import { noticeChanges, type ChangeNotice } from './change-notices.js'

// Low-level engine store: transactions, the run row lock, history appends and job enqueueing.
// Jobs are enqueued with graphile_worker.add_job inside the same transaction as the state change
// that needs them, so there is no window where a commit happened but its wake-up was lost.

export type Client = pg.PoolClient

export interface RunRow {
  id: string
  project_id: string
  instance_id: string
  run_number: number
  definition_name: string
  definition_version: string
  status: string
  input: unknown
  result: unknown
  error_code: string | null
  error_message: string | null
  custom_status: unknown
  waiting_for: unknown
  last_seq: number
  activation_version: number
  cancel_requested: boolean
  parent_run_id: string | null
  parent_command_id: number | null
  parent_close_policy: string | null
  root_run_id: string
  child_depth: number
  continued_from_run_id: string | null
  continued_to_run_id: string | null
  created_at: Date
  updated_at: Date
  completed_at: Date | null
  projection_state: string
}

export interface NewEvent {
  type: string
  payload: Record<string, unknown>
  /** Set when a worker already showed the event to workflow code (folded completions); else now(). */
  createdAt?: Date
}

const RETRYABLE = new Set(['40P01', '40001'])

// The engine's hot statements run as named prepared statements: Postgres parses and plans each
// text once per connection instead of on every call, which was a third of its CPU per step.
// Texts must name their columns (no `*`), so a migration that adds a column cannot change a
// prepared statement's result type under a running worker.
const statementNames = new Map<string, string>()
const MAX_PREPARED_TEXTS = 500

export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text)
  if (!name) {
    if (statementNames.size >= MAX_PREPARED_TEXTS) return { text, values }
    name = `continua_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    statementNames.set(text, name)
  }
  return { name, text, values }
}

/** engine.runs columns, in RunRow's shape. */
export const RUN_COLUMNS = [
  'id', 'project_id', 'instance_id', 'run_number', 'definition_name', 'definition_version', 'status', 'input', 'result',
  'error_code', 'error_message', 'custom_status', 'waiting_for', 'last_seq', 'activation_version', 'cancel_requested',
  'parent_run_id', 'parent_command_id', 'parent_close_policy', 'root_run_id', 'child_depth', 'continued_from_run_id',
  'continued_to_run_id', 'created_at', 'updated_at', 'completed_at', 'projection_state',
] as const
export const runColumns = (alias?: string) => RUN_COLUMNS.map((k) => (alias ? `${alias}.${k}` : k)).join(', ')

type PendingProjection = Map<string, { run: RunRow; events: Array<{ seq: number; type: string; payload: Record<string, unknown> }> }>

// Per open transaction: history appended and not yet projected into the trace tables (that
// happens just before commit), and the changes to announce once it has committed.
interface OpenTransaction {
  pending: PendingProjection
  changes: ChangeNotice[]
}
const openTransactions = new WeakMap<object, OpenTransaction>()

/** Runs `fn` in a transaction, retrying on deadlock or serialization failure. */
export async function withTx<T>(pool: pg.Pool, fn: (c: Client) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect()
    const tx: OpenTransaction = { pending: new Map(), changes: [] }
    openTransactions.set(client, tx)
    try {
      await client.query('begin')
      const result = await fn(client)
      // Invariant 5: the trace tables move in the same transaction as the history they mirror.
      if (tx.pending.size) tx.changes.push(...(await flushProjection(client, tx.pending)))
      await client.query('commit')
      noticeChanges(pool, tx.changes)
      return result
    } catch (err) {
      await client.query('rollback').catch(() => {})
      if (attempt < 5 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue
      throw err
    } finally {
      openTransactions.delete(client)
      client.release()
    }
  }
}

// Connections lent by withStatement: their one statement commits on its own.
const singleStatement = new WeakMap<object, { used: boolean }>()

/**
 * Runs `fn` on a connection outside a transaction, for a commit that is one guarded history
 * append (see AppendOptions.guard) with its projection inside: Postgres applies a statement
 * atomically, so the begin and commit round trips are saved. An append that would need a second
 * statement throws SpeculationFailed before writing anything; the caller then takes withTx.
 */
export async function withStatement<T>(pool: pg.Pool, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  const tx: OpenTransaction = { pending: new Map(), changes: [] }
  openTransactions.set(client, tx)
  singleStatement.set(client, { used: false })
  try {
    const result = await fn(client)
    noticeChanges(pool, tx.changes)
    return result
  } finally {
    openTransactions.delete(client)
    singleStatement.delete(client)
    client.release()
  }
}

// `for no key update`: writers of a run serialise on its row, but the key-share locks that
// foreign-key checks take (history, tasks and children referencing the run) do not conflict
// with it; plain `for update` made closing children deadlock against each other.
export async function lockRun(c: Client, runId: string): Promise<RunRow | undefined> {
  const { rows } = await c.query<RunRow>(prepared(`select ${runColumns()} from engine.runs where id = $1 for no key update`, [runId]))
  return rows[0]
}

export async function getRun(c: pg.Pool | Client, runId: string): Promise<RunRow | undefined> {
  const { rows } = await c.query<RunRow>('select * from engine.runs where id = $1', [runId])
  return rows[0]
}

/** How appendEvents writes, beyond the events themselves. */
export interface AppendOptions {
  /**
   * Extra assignments for the same `update engine.runs` statement that moves last_seq, so a
   * status change costs no extra round trip. `param` adds a bound value and returns its `$n`.
   */
  set?: (param: (value: unknown) => string) => string
  /**
   * The status this append moves the run to, set in the same update. An inline projection
   * (`project`) writes it onto the trace too, so the status trigger finds nothing to rewrite.
   */
  status?: string
  /** Enqueue the run's activation job in the same statement (what wakeRun does), if the run may be woken. */
  wake?: boolean
  /**
   * Remove the run's pending (unlocked) activation job in the same statement: the caller is the
   * activation that job would have run, and what it commits leaves the run something else to move
   * it (a task, a timer, a signal or child wait). Ignored with `wake`.
   */
  unwake?: boolean
  /**
   * More writes in the same statement: CTE definitions (`name as (...)`, comma-separated) and
   * expressions for the statement's `returning`, whose values appendEvents returns. Each write
   * must hold `gate` (see `guard`).
   */
  with?: (param: (value: unknown) => string, gate: string) => { ctes: string; returning: string }
  /**
   * The caller appends nothing more to this run in this transaction: project its history into
   * the trace tables in this same statement instead of just before commit, when one statement
   * can hold the projection (see inlineProjection).
   */
  project?: boolean
  /**
   * Speculative commit: the statement first locks the run and checks that it is where the caller
   * believes: open, at `run.last_seq`, and `check` (SQL over the locked row `g0`). `also` is one
   * more write (an update over `g0`, holding the condition it is given) that must succeed too.
   * Every other write of the statement depends on both; when either fails nothing is written and
   * appendEvents throws SpeculationFailed, leaving the run locked for the caller's other path.
   */
  guard?: { check: (param: (value: unknown) => string) => string; also?: (param: (value: unknown) => string, condition: string) => string }
}

/** A guarded append (AppendOptions.guard) found the run elsewhere than believed; nothing was written. */
export class SpeculationFailed extends Error {
  constructor() {
    super('the run moved on; speculative commit not applied')
  }
}

/**
 * Appends events after the run's last sequence number, in one statement with whatever `opts`
 * adds. The run's row lock is what makes the numbering gap-free and unique: the caller holds it
 * (lockRun), or passes `guard`, whose statement takes it first. Returns the statement's
 * `returning` row.
 */
export async function appendEvents(c: Client, run: RunRow, events: NewEvent[], opts: AppendOptions = {}): Promise<Record<string, unknown> | undefined> {
  if (events.length === 0) return undefined
  const tx = openTransactions.get(c)
  if (!tx) throw new Error('appendEvents must run inside withTx')
  const pending = tx.pending
  const first = run.last_seq + 1
  const params: unknown[] = [run.project_id, run.id]
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  // With a guard every write below holds `gate`: the guard's CTEs lock the run and check it (and
  // make the guard's own write) first.
  const guard = opts.guard
  let gate = 'true'
  let guardCtes = ''
  if (guard) {
    guardCtes = `g0 as (select id, status, activation_version, last_seq from engine.runs where id = $2 for no key update),
       g as (select 1 from g0 where g0.status in (${MOVING_STATUSES.map((x) => `'${x}'`).join(', ')}) and g0.last_seq = ${param(run.last_seq)} and ${guard.check(param)}), `
    gate = 'exists (select 1 from g)'
    if (guard.also) {
      guardCtes += `ga as (${guard.also(param, gate)} returning 1), `
      gate = 'exists (select 1 from ga)'
    }
  }
  // Typed, because a guarded insert selects its rows instead of listing them.
  const values = events.map((e, i) => {
    params.push(first + i, e.type, JSON.stringify(e.payload), e.createdAt?.toISOString() ?? null)
    const n = params.length
    return `($1::uuid, $2::uuid, $${n - 3}::int, $${n - 2}::text, $${n - 1}::jsonb, coalesce($${n}::timestamptz, now()))`
  })
  const rowsSql = guard ? `select * from (values ${values.join(', ')}) as v where ${gate}` : `values ${values.join(', ')}`
  const lastSeq = param(first + events.length - 1)
  const extra = (opts.status ? `, status = ${param(opts.status)}` : '') + (opts.set ? `, ${opts.set(param)}` : '')
  // A plain select CTE runs only if referenced: `returning` references it.
  const wake = opts.wake && isMoving(run.status)
  const unwake = !wake && opts.unwake
  const job = wake
    ? `, j as (select graphile_worker.add_job(${param(workflowTask(run.definition_name, run.definition_version))}, json_build_object('run_id', $2::text), job_key => ${param(`run:${run.id}`)}, max_attempts => 25) as x where ${gate})`
    : unwake
      ? `, j as (select graphile_worker.remove_job(${param(`run:${run.id}`)}) as x where ${gate})`
      : ''
  const more = opts.with?.(param, gate)
  const projected = [...(pending.get(run.id)?.events ?? []), ...events.map((e, i) => ({ seq: first + i, type: e.type, payload: e.payload }))]
  const projection = opts.project ? inlineProjection(run, projected, param, gate, opts.status) : null
  const single = singleStatement.get(c)
  if (single) {
    if (single.used) throw new Error('a one-statement commit tried a second statement')
    // Unguarded, or its trace would need statements of its own: not a one-statement commit.
    if (!guard || !projection) throw new SpeculationFailed()
    single.used = true
  }
  const returning = ['true as applied', wake || unwake ? '(select count(*) from j) as jobs' : '', more?.returning ?? '', projection?.returning ?? ''].filter(Boolean)
  const ctes = [more?.ctes, projection?.ctes].filter(Boolean).map((x) => `, ${x}`).join('')
  const text = `with ${guardCtes}h as (insert into engine.history (project_id, run_id, sequence_no, event_type, payload, created_at) ${rowsSql} returning 1)${job}${ctes}
     update engine.runs set last_seq = ${lastSeq}, updated_at = now()${extra} where id = $2 and ${gate} returning ${returning.join(', ')}`
  // Few events: one of a handful of shapes, worth preparing. Long batches stay one-off.
  const { rows } = await c.query(events.length <= 6 ? prepared(text, params) : { text, values: params })
  if (!rows[0]?.applied) {
    if (guard) throw new SpeculationFailed()
    throw new Error(`run ${run.id} not found while appending its history`)
  }
  run.last_seq += events.length
  if (projection) {
    pending.delete(run.id)
    if (rows[0].change) tx.changes.push(rows[0].change as ChangeNotice)
  } else pending.set(run.id, { run, events: projected })
  return rows[0]
}

export const workflowTask = (name: string, version: string) => `continua.workflow.${name}@${version}`
export const activityTask = (type: string) => `continua.activity.${type}`
export const TIMER_TASK = 'continua.engine.timer'
export const RECONCILE_TASK = 'continua.engine.reconcile'

/** One coalescing activation job per run. */
export async function enqueueActivation(c: Client, run: Pick<RunRow, 'id' | 'definition_name' | 'definition_version'>): Promise<void> {
  await c.query(`select graphile_worker.add_job($1, json_build_object('run_id', $2::text), job_key => $3, max_attempts => 25)`, [
    workflowTask(run.definition_name, run.definition_version),
    run.id,
    `run:${run.id}`,
  ])
}

export async function enqueueActivityJob(c: Client, type: string, taskId: string, runAt: Date | null): Promise<void> {
  await c.query(`select graphile_worker.add_job($1, json_build_object('task_id', $2::text), run_at => $3, job_key => $4, max_attempts => 25)`, [
    activityTask(type),
    taskId,
    runAt,
    `task:${taskId}`,
  ])
}

export async function enqueueTimerJob(c: Client, timerId: string, dueAt: Date): Promise<void> {
  await c.query(`select graphile_worker.add_job($1, json_build_object('timer_id', $2::text), run_at => $3, job_key => $4, max_attempts => 25)`, [
    TIMER_TASK,
    timerId,
    dueAt,
    `timer:${timerId}`,
  ])
}

/** Wakes a run unless it is parked (suspended/quarantined) or already over. */
export async function wakeRun(c: Client, run: RunRow): Promise<boolean> {
  if (!isMoving(run.status)) return false
  await enqueueActivation(c, run)
  return true
}
