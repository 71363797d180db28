import type pg from 'pg'
import { ContinuaError } from '../errors.js'
import { isTerminal } from './types.js'

// Read side of the control plane, in the reference's wire shapes (upper-case statuses,
// continuation links, `engine:<run>` trace ids).

type Row = Record<string, any>

const RUN_SELECT = `
  select r.*, i.instance_key,
    (select count(*) from engine.activity_tasks t where t.run_id = r.id and t.status in ('queued', 'claimed'))::int as pending_tasks,
    ((select count(*) from engine.signals s where s.run_id = r.id and s.status = 'pending')
      + (select count(*) from engine.timers tm where tm.run_id = r.id and tm.status = 'pending'))::int as pending_inbox
  from engine.runs r join engine.instances i on i.id = r.instance_id`

export function runSummary(r: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {
    run_id: r.id,
    instance_id: r.instance_id,
    instance_key: r.instance_key,
    definition_name: r.definition_name,
    definition_version: r.definition_version,
    projection_state: r.projection_state ?? 'up_to_date',
    status: String(r.status).toUpperCase(),
    run_number: r.run_number,
    pending_work: { pending_activity_tasks: r.pending_tasks ?? 0, pending_inbox_items: r.pending_inbox ?? 0 },
    root_run_id: r.root_run_id,
    child_depth: r.child_depth,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  }
  if (r.waiting_for) out.wait_state = r.waiting_for
  if (r.custom_status !== null && r.custom_status !== undefined) out.custom_status = r.custom_status
  if (r.parent_run_id) {
    out.parent_run_id = r.parent_run_id
    out.child_key = `child-${r.parent_command_id}`
  }
  Object.assign(out, continuationLinks(r))
  if (r.completed_at) out.completed_at = r.completed_at.toISOString()
  if (r.status === 'completed') out.result = r.result
  const failure = failureOf(r)
  if (failure) out.failure = failure
  return out
}

function continuationLinks(r: Row): Record<string, string> {
  const out: Record<string, string> = {}
  if (r.continued_from_run_id) {
    out.continued_from_run_id = r.continued_from_run_id
    out.continued_from_trace_id = `engine:${r.continued_from_run_id}`
  }
  if (r.continued_to_run_id) {
    out.continued_to_run_id = r.continued_to_run_id
    out.continued_to_trace_id = `engine:${r.continued_to_run_id}`
  }
  return out
}

function failureOf(r: Row): Record<string, string> | null {
  if (!['failed', 'cancelled', 'terminated', 'quarantined'].includes(r.status) || !r.error_code) return null
  return { error_code: r.error_code, error_message: r.error_message ?? '', status: String(r.status).toUpperCase() }
}

export async function getRunRow(pool: pg.Pool, projectId: string | undefined, runId: string): Promise<Row> {
  const { rows } = await pool.query(`${RUN_SELECT} where r.id = $1`, [runId])
  const row = rows[0]
  if (!row || (projectId && row.project_id !== projectId)) throw new ContinuaError('run_not_found', `Run ${runId} not found`)
  return row
}

export function runResult(r: Row): Record<string, unknown> {
  if (!isTerminal(r.status)) throw new ContinuaError('run_not_terminal', `Run ${r.id} is ${r.status}, not terminal yet`)
  const out: Record<string, unknown> = { run_id: r.id, status: String(r.status).toUpperCase(), result: r.status === 'completed' ? r.result : null }
  Object.assign(out, continuationLinks(r))
  const failure = failureOf(r)
  if (failure) out.failure = failure
  return out
}

export async function historyPage(pool: pg.Pool, runId: string, after: number, limit: number): Promise<Record<string, unknown>> {
  const { rows } = await pool.query(
    `select id, sequence_no, event_type, payload, created_at from engine.history where run_id = $1 and sequence_no > $2 order by sequence_no limit $3`,
    [runId, after, limit + 1],
  )
  const page = rows.slice(0, limit)
  const out: Record<string, unknown> = {
    events: page.map((e) => ({ id: e.id, sequence_no: e.sequence_no, event_type: e.event_type, payload: e.payload, created_at: e.created_at.toISOString() })),
    has_more: rows.length > limit,
    expired: false,
  }
  if (page.length) out.next_after = page[page.length - 1]!.sequence_no
  return out
}

export async function pendingWork(pool: pg.Pool, r: Row): Promise<Record<string, unknown>> {
  const [tasks, timers, signals] = await Promise.all([
    pool.query(`select * from engine.activity_tasks where run_id = $1 and status in ('queued', 'claimed') order by command_id`, [r.id]),
    pool.query(`select * from engine.timers where run_id = $1 and status = 'pending' order by due_at`, [r.id]),
    pool.query(`select * from engine.signals where run_id = $1 and status = 'pending' order by id`, [r.id]),
  ])
  return {
    run_id: r.id,
    current_wait: r.waiting_for ?? null,
    activities: tasks.rows.map((t) => ({
      task_id: t.id,
      activity_key: t.activity_key,
      activity_type: t.activity_type,
      status: t.status,
      available_at: t.available_at.toISOString(),
      attempt_count: t.attempt,
      execution_target: t.execution_target,
      ...(t.owner ? { claimed_by: t.owner } : {}),
    })),
    timers: timers.rows.map((t) => ({ inbox_id: t.id, timer_key: `timer-${t.command_id}`, status: t.status, available_at: t.due_at.toISOString() })),
    signals: signals.rows.map((s) => ({ inbox_id: String(s.id), signal_name: s.signal_name, status: s.status, available_at: s.created_at.toISOString() })),
    pending_activity_tasks: tasks.rows.length,
    pending_inbox_items: timers.rows.length + signals.rows.length,
  }
}

export interface RunFilter {
  projectId?: string
  status?: string
  definitionName?: string
  instanceKey?: string
  parentRunId?: string
  limit: number
  cursor?: { createdAt: string; id: string }
}

export async function listRuns(pool: pg.Pool, f: RunFilter): Promise<{ runs: Record<string, unknown>[]; next_cursor: string | null }> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: string, value: unknown) => {
    params.push(value)
    where.push(clause.replace('?', `$${params.length}`))
  }
  if (f.projectId) add('r.project_id = ?', f.projectId)
  if (f.status) add('r.status = ?', f.status)
  if (f.definitionName) add('r.definition_name = ?', f.definitionName)
  if (f.instanceKey) add('i.instance_key = ?', f.instanceKey)
  if (f.parentRunId) add('r.parent_run_id = ?', f.parentRunId)
  if (f.cursor) {
    params.push(f.cursor.createdAt, f.cursor.id)
    where.push(`(r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`)
  }
  params.push(f.limit + 1)
  const { rows } = await pool.query(
    `${RUN_SELECT} ${where.length ? 'where ' + where.join(' and ') : ''} order by r.created_at desc, r.id desc limit $${params.length}`,
    params,
  )
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  return {
    runs: page.map(runSummary),
    next_cursor: rows.length > f.limit && last ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url') : null,
  }
}

export function decodeCursor(raw: string): { createdAt: string; id: string } {
  const text = Buffer.from(raw, 'base64url').toString('utf8')
  const [createdAt, id] = text.split('|')
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new ContinuaError('validation_error', 'cursor: not a cursor returned by this API', [{ path: 'cursor', message: 'invalid cursor' }])
  }
  return { createdAt, id }
}

export async function getInstance(pool: pg.Pool, projectId: string | undefined, key: string): Promise<Record<string, unknown>> {
  const { rows } = await pool.query(`select * from engine.instances where instance_key = $1 ${projectId ? 'and project_id = $2' : ''}`, projectId ? [key, projectId] : [key])
  if (rows.length === 0) throw new ContinuaError('instance_not_found', `Instance ${key} not found`)
  if (rows.length > 1) throw new ContinuaError('ambiguous_instance_key', `Instance key ${key} exists in several projects; pass project_id`)
  const inst = rows[0]!
  const { rows: runs } = await pool.query(`${RUN_SELECT} where r.instance_id = $1 order by r.run_number desc limit 1`, [inst.id])
  return {
    instance_id: inst.id,
    instance_key: inst.instance_key,
    definition_name: inst.definition_name,
    status: inst.status,
    current_run: runs[0] ? runSummary(runs[0]) : null,
  }
}

export async function engineHealth(pool: pg.Pool, projectId: string | undefined, liveWithinMs: number): Promise<Record<string, unknown>> {
  const scope = projectId ? 'and project_id = $1' : ''
  const p = projectId ? [projectId] : []
  const [runs, tasks, inbox, workers] = await Promise.all([
    pool.query(`select count(*)::int as n from engine.runs where status = 'queued' ${scope}`, p),
    pool.query(`select count(*)::int as n from engine.activity_tasks where status = 'queued' ${scope}`, p),
    pool.query(`select count(*)::int as n from engine.signals where status = 'pending' ${scope}`, p),
    pool.query(
      `select w.id, w.heartbeat_at, w.status,
         (select count(*) from engine.activity_tasks t where t.owner = w.id and t.status = 'claimed')::int as active_leases
       from engine.workers w where w.status <> 'stopped' order by w.started_at`,
    ),
  ])
  const cutoff = Date.now() - liveWithinMs
  return {
    generated_at: new Date().toISOString(),
    projector: { lag_rows: 0, runs_catching_up: 0 },
    queues: { runs_ready: runs.rows[0].n, activity_tasks_pending: tasks.rows[0].n, inbox_pending: inbox.rows[0].n },
    workers: workers.rows.map((w) => ({
      id: w.id,
      last_claim_at: w.heartbeat_at.toISOString(),
      active_leases: w.active_leases,
      expired_leases: 0,
      status: w.status === 'alive' && w.heartbeat_at.getTime() >= cutoff ? 'active' : 'stale',
    })),
    retention: { summary_only_runs: 0, journal_expired_runs: 0 },
  }
}
