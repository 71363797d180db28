import type pg from 'pg'
import { lockRun, withTx, type RunRow } from '../db/engine-store.js'
import { ContinuaError } from '../errors.js'
import { flushProjection, traceIdOf } from './projection.js'
import { isTerminal } from './types.js'

// Purge and repair of finished runs, wire-compatible with the reference: purge drops projected
// detail (projection_only → summary_only) or the journal as well (full → journal_expired);
// repair rebuilds the projected detail from history, in one transaction.

export type PurgeMode = 'projection_only' | 'full'

async function lockTerminal(c: pg.PoolClient, projectId: string | undefined, runId: string): Promise<RunRow & { projection_state: string }> {
  const run = (await lockRun(c, runId)) as (RunRow & { projection_state: string }) | undefined
  if (!run || (projectId && run.project_id !== projectId)) throw new ContinuaError('run_not_found', `Run ${runId} not found`)
  if (!isTerminal(run.status)) throw new ContinuaError('run_not_terminal', `Run ${runId} is ${run.status}; only finished runs can be purged`)
  return run
}

export async function purgeRun(pool: pg.Pool, projectId: string | undefined, runId: string, mode: PurgeMode) {
  return withTx(pool, async (c) => {
    const run = await lockTerminal(c, projectId, runId)
    const detail = await c.query(
      `with t as (select id from traces where project_id = $1 and trace_id = $2),
       s as (delete from spans where trace_id in (select id from t) and span_id <> $3 returning 1),
       e as (delete from span_events where trace_id in (select id from t) returning 1)
       select (select count(*) from s) + (select count(*) from e) as n`,
      [run.project_id, traceIdOf(run.id), `engine:root:${run.id}`],
    )
    let deleted = Number(detail.rows[0].n) > 0
    let state = run.projection_state === 'journal_expired' ? 'journal_expired' : 'summary_only'
    if (mode === 'full') {
      const journal = await c.query(
        `with h as (delete from engine.history where run_id = $1 returning 1),
         a as (delete from engine.activity_tasks where run_id = $1 returning 1),
         tm as (delete from engine.timers where run_id = $1 returning 1),
         sg as (delete from engine.signals where run_id = $1 returning 1)
         select (select count(*) from h) + (select count(*) from a) + (select count(*) from tm) + (select count(*) from sg) as n`,
        [run.id],
      )
      deleted = deleted || Number(journal.rows[0].n) > 0
      state = 'journal_expired'
    }
    await c.query('update engine.runs set projection_state = $2 where id = $1', [run.id, state])
    return { run_id: run.id, mode, projection_state: state, deleted }
  })
}

export async function repairRun(pool: pg.Pool, projectId: string | undefined, runId: string) {
  return withTx(pool, async (c) => {
    const run = (await lockRun(c, runId)) as (RunRow & { projection_state: string }) | undefined
    if (!run || (projectId && run.project_id !== projectId)) throw new ContinuaError('run_not_found', `Run ${runId} not found`)
    if (run.projection_state === 'journal_expired') return { run_id: run.id, accepted: false, reason: 'history_expired', projection_state: 'journal_expired' }
    if (run.projection_state === 'up_to_date') return { run_id: run.id, accepted: false, reason: 'already_up_to_date', projection_state: 'up_to_date' }
    const { rows } = await c.query<{ sequence_no: number; event_type: string; payload: Record<string, unknown> }>(
      'select sequence_no, event_type, payload from engine.history where run_id = $1 order by sequence_no',
      [run.id],
    )
    if (rows.length === 0) return { run_id: run.id, accepted: false, reason: 'no_events_to_project', projection_state: run.projection_state }
    await flushProjection(c, new Map([[run.id, { run, events: rows.map((r) => ({ seq: r.sequence_no, type: r.event_type, payload: r.payload })) }]]))
    await c.query(`update engine.runs set projection_state = 'up_to_date' where id = $1`, [run.id])
    return { run_id: run.id, accepted: true, reason: 'repair_requested', projection_state: 'up_to_date' }
  })
}

export interface BackfillRequest {
  projectId: string | undefined
  dryRun: boolean
  limit: number
  olderThan?: string
  instanceKey?: string
  definitionName?: string
  runStatus?: string
  projectionState: string
}

export async function backfill(pool: pg.Pool, req: BackfillRequest) {
  const where = [`r.projection_state = $1`, `r.status in ('completed', 'failed', 'cancelled', 'terminated', 'continued_as_new')`]
  const params: unknown[] = [req.projectionState]
  const add = (clause: string, value: unknown) => {
    params.push(value)
    where.push(clause.replace('?', `$${params.length}`))
  }
  if (req.projectId) add('r.project_id = ?', req.projectId)
  if (req.olderThan) add('r.completed_at < ?', req.olderThan)
  if (req.instanceKey) add('i.instance_key = ?', req.instanceKey)
  if (req.definitionName) add('r.definition_name = ?', req.definitionName)
  if (req.runStatus) add('r.status = ?', req.runStatus)
  params.push(req.limit)
  const { rows } = await pool.query<{ id: string; projection_state: string }>(
    `select r.id, r.projection_state from engine.runs r join engine.instances i on i.id = r.instance_id
     where ${where.join(' and ')} order by r.completed_at, r.id limit $${params.length}`,
    params,
  )
  const results = []
  for (const r of rows) {
    if (req.dryRun) {
      results.push({ run_id: r.id, trace_id: traceIdOf(r.id), projection_state: r.projection_state, action: 'would_repair' })
      continue
    }
    const repaired = await repairRun(pool, req.projectId, r.id)
    results.push({ run_id: r.id, trace_id: traceIdOf(r.id), projection_state: repaired.projection_state, action: repaired.accepted ? 'repair_requested' : 'skipped', reason: repaired.reason })
  }
  return {
    dry_run: req.dryRun,
    limit: req.limit,
    eligible_count: rows.length,
    repair_requested_count: results.filter((r) => r.action === 'repair_requested').length,
    skipped_count: results.filter((r) => r.action === 'skipped').length,
    results,
  }
}
