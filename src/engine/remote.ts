import type pg from 'pg'
import { ContinuaError } from '../errors.js'
import { completeTask, failTask, type RecordResult } from './activities.js'

// Remote activity workers over REST (the reference's protocol): claim by project and types
// with a lease, heartbeat to extend it, complete or fail fenced on worker_id and the lease.

export const MIN_LEASE_MS = 10_000
export const MAX_LEASE_MS = 5 * 60_000
export const DEFAULT_LEASE_MS = 60_000

export function parseLease(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LEASE_MS
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim())
  if (!m) throw new ContinuaError('validation_error', `lease_duration: expected a duration like 60s or 5m, got ${JSON.stringify(value)}`, [{ path: 'lease_duration', message: 'invalid duration' }])
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000)
  return Math.min(MAX_LEASE_MS, Math.max(MIN_LEASE_MS, Math.round(ms)))
}

export async function claimRemote(pool: pg.Pool, projectId: string, workerId: string, types: string[], leaseMs: number, max: number) {
  const { rows } = await pool.query(
    `update engine.activity_tasks t set status = 'claimed', attempt = attempt + 1, owner = $2, claimed_at = now(),
       lease_duration_ms = $4::int, lease_expires_at = now() + make_interval(secs => $4::int::double precision / 1000)
     where t.id in (
       select id from engine.activity_tasks
       where project_id = $1 and execution_target = 'remote' and activity_type = any($3::text[])
         and ((status = 'queued' and available_at <= now()) or (status = 'claimed' and lease_expires_at < now()))
       order by available_at limit $5 for update skip locked)
     returning t.id, t.activity_key, t.activity_type, t.input, t.lease_expires_at, t.lease_duration_ms`,
    [projectId, workerId, types, leaseMs, max],
  )
  return rows.map((r) => ({
    task_id: r.id,
    activity_key: r.activity_key,
    activity_type: r.activity_type,
    input: r.input,
    lease_expires_at: r.lease_expires_at.toISOString(),
    effective_lease_duration_ms: r.lease_duration_ms,
  }))
}

async function assertTaskInProject(pool: pg.Pool, projectId: string, taskId: string): Promise<void> {
  const { rows } = await pool.query(`select 1 from engine.activity_tasks where id = $1 and project_id = $2 and execution_target = 'remote'`, [taskId, projectId])
  if (!rows[0]) throw new ContinuaError('activity_task_not_found', `Activity task ${taskId} not found`)
}

function check(result: RecordResult, taskId: string): void {
  if (result === 'not_found') throw new ContinuaError('activity_task_not_found', `Activity task ${taskId} not found`)
  if (result === 'conflict') throw new ContinuaError('activity_task_conflict', `Activity task ${taskId} is not claimed by this worker (reclaimed, expired or finished)`)
}

export async function heartbeatRemote(pool: pg.Pool, projectId: string, taskId: string, workerId: string) {
  await assertTaskInProject(pool, projectId, taskId)
  const { rows } = await pool.query(
    `update engine.activity_tasks set lease_expires_at = now() + make_interval(secs => lease_duration_ms::double precision / 1000)
     where id = $1 and owner = $2 and status = 'claimed' and lease_expires_at > now()
     returning lease_expires_at, lease_duration_ms`,
    [taskId, workerId],
  )
  if (!rows[0]) check('conflict', taskId)
  return { lease_expires_at: rows[0].lease_expires_at.toISOString(), effective_lease_duration_ms: rows[0].lease_duration_ms }
}

export async function completeRemote(pool: pg.Pool, projectId: string, taskId: string, workerId: string, output: unknown): Promise<void> {
  await assertTaskInProject(pool, projectId, taskId)
  check(await completeTask(pool, { taskId, owner: workerId, requireLease: true }, output), taskId)
}

export async function failRemote(pool: pg.Pool, projectId: string, taskId: string, workerId: string, code: string, message: string, nonRetryable: boolean): Promise<void> {
  await assertTaskInProject(pool, projectId, taskId)
  check(await failTask(pool, { taskId, owner: workerId, requireLease: true }, code, message, nonRetryable), taskId)
}
