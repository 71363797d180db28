import type pg from 'pg'
import { appendEvents, enqueueActivityJob, prepared, runColumns, withTx, type Client, type NewEvent, type RunRow } from '../db/engine-store.js'
import { retryDelay, shouldRetry, type ResolvedRetry } from './retry.js'
import { isTerminal } from './types.js'

// Recording activity outcomes. Every write is fenced on (attempt, owner, status = claimed): a
// worker that lost its task (declared dead, lease expired, run cancelled) has its result refused,
// so each attempt has at most one recorded outcome.

export interface ClaimedTask {
  id: string
  run_id: string
  project_id: string
  command_id: number
  activity_key: string
  activity_type: string
  input: unknown
  attempt: number
  owner: string
  execution_target: string
  retry_policy: ResolvedRetry
  timeouts: { start_to_close_ms: number | null; schedule_to_close_ms: number | null; heartbeat_ms: number | null }
  scheduled_at: Date
}

export interface Fence {
  taskId: string
  owner: string
  /** Local workers fence on the attempt too; remote workers only name themselves. */
  attempt?: number
  /** Remote leases: refuse once the lease has expired. */
  requireLease?: boolean
}

export type RecordResult = 'recorded' | 'retry_scheduled' | 'conflict' | 'not_found'

/** Claims a local task for this worker: a queued one, or one whose owner was declared dead. */
export async function claimLocalTask(pool: pg.Pool, taskId: string, owner: string): Promise<ClaimedTask | undefined> {
  const { rows } = await pool.query<ClaimedTask>(
    prepared(
      `update engine.activity_tasks t set status = 'claimed', attempt = attempt + 1, owner = $2, claimed_at = now(), lease_expires_at = null
       where id = $1 and execution_target = 'local' and (
         (status = 'queued' and available_at <= now() + interval '1 second')
         or (status = 'claimed' and (owner is null or owner in (select id from engine.workers where status <> 'alive')))
       )
       returning ${TASK_COLUMNS.join(', ')}`,
      [taskId, owner],
    ),
  )
  return rows[0]
}

export async function completeTask(pool: pg.Pool, fence: Fence, output: unknown): Promise<RecordResult> {
  return withTx(pool, async (c) => {
    const fenced = await completeFenced(c, fence, output)
    if (typeof fenced === 'string') return fenced
    const { task, run } = fenced
    if (!isTerminal(run.status)) await appendEvents(c, run, [completedEvent(task, output)], { wake: true })
    return 'recorded'
  })
}

type CompletedTask = Pick<ClaimedTask, 'id' | 'command_id' | 'activity_key' | 'activity_type' | 'attempt'>

/**
 * Locks the task's run and marks the task completed if the fence (status claimed, owner, and the
 * attempt or the lease) still holds, in one round trip. The run lock is taken first, as
 * everywhere else. 'conflict' when the fence no longer holds.
 */
export async function completeFenced(c: Client, fence: Fence, output: unknown): Promise<{ task: CompletedTask; run: RunRow } | 'conflict' | 'not_found'> {
  const values: unknown[] = [fence.taskId]
  const param = (value: unknown) => {
    values.push(value)
    return `$${values.length}`
  }
  const { rows } = await c.query<RunRow & { done_command_id: number | null; done_activity_key: string; done_activity_type: string; done_attempt: number }>(
    prepared(
      `with r as (
         select ${runColumns()} from engine.runs where id = (select run_id from engine.activity_tasks where id = $1) for no key update),
       u as (${completeTaskSql(param, fence, output, 'r')} returning t.command_id, t.activity_key, t.activity_type, t.attempt)
       select r.*, u.command_id as done_command_id, u.activity_key as done_activity_key, u.activity_type as done_activity_type, u.attempt as done_attempt
       from r left join u on true`,
      values,
    ),
  )
  const row = rows[0]
  if (!row) return 'not_found'
  if (row.done_command_id === null) return 'conflict'
  const { done_command_id, done_activity_key, done_activity_type, done_attempt, ...run } = row
  return { task: { id: fence.taskId, command_id: done_command_id, activity_key: done_activity_key, activity_type: done_activity_type, attempt: done_attempt }, run: run as RunRow }
}

/**
 * Marks a claimed task completed if the fence holds: status claimed, owner, and the attempt (local
 * workers) or the lease (remote ones). `run` names a row source with the run, already locked, and
 * `condition` adds to the where clause. Without `returning`; every completion goes through here.
 */
export function completeTaskSql(param: (value: unknown) => string, fence: Fence, output: unknown, run: string, condition = 'true'): string {
  const attempt = param(fence.attempt ?? null)
  return `update engine.activity_tasks t set status = 'completed', output = ${param(JSON.stringify(output ?? null))}::jsonb, completed_at = now(), lease_expires_at = null
         from ${run} where t.id = ${param(fence.taskId)}::uuid and t.run_id = ${run}.id and t.status = 'claimed' and t.owner = ${param(fence.owner)}
           and (${attempt}::int is null or t.attempt = ${attempt}::int)
           and (not ${param(fence.requireLease ?? false)}::boolean or t.lease_expires_at is null or t.lease_expires_at > now()) and ${condition}`
}

/** The history event of a completed task; one shape for the plain and the folded path. */
export function completedEvent(task: Pick<ClaimedTask, 'command_id' | 'activity_key' | 'activity_type' | 'attempt'>, output: unknown, createdAt?: Date): NewEvent {
  return {
    type: 'activity.completed',
    payload: { command_id: task.command_id, activity_key: task.activity_key, activity_type: task.activity_type, output: output ?? null, attempts: task.attempt },
    createdAt,
  }
}

export async function failTask(pool: pg.Pool, fence: Fence, code: string, message: string, nonRetryable: boolean): Promise<RecordResult> {
  return withTx(pool, async (c) => {
    const fenced = await fencedTask(c, fence)
    if (typeof fenced === 'string') return fenced
    const { task, run } = fenced
    const deadline = task.timeouts.schedule_to_close_ms ? task.scheduled_at.getTime() + task.timeouts.schedule_to_close_ms : Infinity
    const delay = retryDelay(task.retry_policy, task.attempt)
    const retry = shouldRetry(task.retry_policy, task.attempt, code, nonRetryable) && Date.now() + delay < deadline
    const base = { command_id: task.command_id, activity_key: task.activity_key, activity_type: task.activity_type, error_code: code, error_message: message }
    if (retry) {
      const { rows } = await c.query<{ available_at: Date }>(
        `update engine.activity_tasks set status = 'queued', owner = null, lease_expires_at = null, last_error_code = $2, last_error_message = $3,
           available_at = now() + make_interval(secs => $4::double precision / 1000)
         where id = $1 and status = 'claimed' and attempt = $5 and owner = $6 returning available_at`,
        [task.id, code, message, delay, task.attempt, task.owner],
      )
      if (!rows[0]) return 'conflict'
      if (run && !isTerminal(run.status)) {
        await appendEvents(c, run, [{ type: 'activity.retry_scheduled', payload: { ...base, failed_attempt: task.attempt, next_available_at: rows[0].available_at.toISOString() } }])
      }
      if (task.execution_target === 'local') await enqueueActivityJob(c, task.activity_type, task.id, rows[0].available_at)
      return 'retry_scheduled'
    }
    const { rowCount } = await c.query(
      `update engine.activity_tasks set status = 'failed', last_error_code = $2, last_error_message = $3, completed_at = now(), lease_expires_at = null
       where id = $1 and status = 'claimed' and attempt = $4 and owner = $5`,
      [task.id, code, message, task.attempt, task.owner],
    )
    if (!rowCount) return 'conflict'
    if (run && !isTerminal(run.status)) {
      await appendEvents(c, run, [{ type: 'activity.failed', payload: { ...base, attempts: task.attempt } }], { wake: true })
    }
    return 'recorded'
  })
}

/** Columns of a task spec row as commit.ts's taskSpec builds it (JSON read with json_to_recordset). */
export const TASK_SPEC_COLUMNS = 'command_id int, activity_key text, activity_type text, input jsonb, execution_target text, retry_policy jsonb, timeouts jsonb, owner text'

/**
 * Creates tasks from `rows`, a from-list holding the specs as `k` (over TASK_SPEC_COLUMNS), for
 * `project` and `run` (SQL over it). A spec naming an `owner` is claimed for it at once (eager
 * execution); the others are queued. Returns TASK_COLUMNS.
 */
export function insertTasksSql(rows: string, project: string, run: string, where = 'true'): string {
  return `insert into engine.activity_tasks (project_id, run_id, command_id, activity_key, activity_type, input, execution_target, retry_policy, timeouts,
         status, attempt, owner, claimed_at)
       select ${project}, ${run}, k.command_id, k.activity_key, k.activity_type, k.input, k.execution_target, k.retry_policy, k.timeouts,
         case when k.owner is null then 'queued' else 'claimed' end, case when k.owner is null then 0 else 1 end, k.owner,
         case when k.owner is null then null else now() end
       from ${rows} where ${where}
       on conflict (run_id, command_id) do nothing returning ${TASK_COLUMNS.join(', ')}`
}

/**
 * The queue jobs of the local tasks `tk` (insertTasksSql's rows) that nobody claimed: an eagerly
 * claimed task has no job (if its owner dies, the sweeper queues it). `prefix` binds activityTask('').
 */
export function taskJobsSql(prefix: string): string {
  return `select graphile_worker.add_job(${prefix} || tk.activity_type, json_build_object('task_id', tk.id::text), job_key => 'task:' || tk.id::text, max_attempts => 25)
       from tk where tk.execution_target = 'local' and tk.owner is null`
}

/** Task rows as a statement's JSON hands them back (json_agg of TASK_COLUMNS). */
export function claimedTasks(rows: unknown): ClaimedTask[] {
  return ((rows as Array<ClaimedTask & { scheduled_at: string }> | null | undefined) ?? []).map((t) => ({ ...t, scheduled_at: new Date(t.scheduled_at) }))
}

export const TASK_COLUMNS = ['id', 'run_id', 'project_id', 'command_id', 'activity_key', 'activity_type', 'input', 'attempt', 'owner', 'execution_target', 'retry_policy', 'timeouts', 'scheduled_at', 'status']

const FENCED_TASK_SQL = `select ${runColumns('r')}, ${TASK_COLUMNS.map((k) => `t.${k} as task_${k}`).join(', ')},
       (t.lease_expires_at is null or t.lease_expires_at > now()) as task_lease_ok
     from engine.activity_tasks t join engine.runs r on r.id = t.run_id where t.id = $1 for no key update of r`

/**
 * One round trip: reads the task (without locking it) and locks its run (lockRun's row lock), then
 * checks the fence. The final update of the task re-checks the fence under the run lock.
 */
async function fencedTask(c: Client, fence: Fence): Promise<{ task: ClaimedTask; run: RunRow } | 'conflict' | 'not_found'> {
  const { rows } = await c.query<RunRow & Record<string, unknown>>(prepared(FENCED_TASK_SQL, [fence.taskId]))
  const row = rows[0]
  if (!row) return 'not_found'
  const task = {} as Record<string, unknown>
  const run = {} as Record<string, unknown>
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith('task_')) task[k.slice(5)] = v
    else run[k] = v
  }
  if (task.status !== 'claimed' || task.owner !== fence.owner) return 'conflict'
  if (fence.attempt !== undefined && task.attempt !== fence.attempt) return 'conflict'
  if (fence.requireLease && !task.lease_ok) return 'conflict'
  return { task: task as unknown as ClaimedTask, run: run as unknown as RunRow }
}
