import type pg from 'pg'
import { appendEvents, lockRun, wakeRun, withTx, type Client, type NewEvent, type RunRow } from '../db/engine-store.js'
import { ContinuaError } from '../errors.js'
import { createRunWithInstance, deliverSignal, requestCancelLocked, startedEvent, terminateLocked } from './lifecycle.js'
import { isTerminal } from './types.js'
import { isDefinitionKnown } from './workers.js'

// Operator and client actions on runs: start (with request-key dedupe), signal, cancel,
// terminate, suspend, resume. Each is one transaction under the run's row lock.

export interface StartRequest {
  projectId: string
  instanceKey: string
  definitionName: string
  definitionVersion: string
  requestKey?: string
  input?: unknown
  /** Signal-with-start: deliver this signal to the new run, or to the instance's open run if one exists. */
  signal?: { name: string; payload: unknown }
  /**
   * In-process start (Dispatcher.startLocal): the run's id and start time were chosen ahead, and
   * `created` commits the run's first decision in the creating transaction (only when this call
   * really created the run), so the run needs no queued activation.
   */
  runId?: string
  startedAt?: Date
  created?: (c: Client, run: RunRow, started: NewEvent) => Promise<void>
}

export interface StartResponse {
  run_id: string
  instance_key: string
  trace_id: string
}

const START_SCOPE = 'engine.start'
const SIGNAL_SCOPE = 'engine.signal'
/** How long a request key replays its first answer. */
const DEDUPE_TTL = '24 hours'

export async function startRun(pool: pg.Pool, req: StartRequest): Promise<StartResponse> {
  return withTx(pool, async (c) => {
    if (req.requestKey) {
      // Serialises concurrent starts with the same key; the loser replays the winner's answer.
      await c.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${req.projectId}:${START_SCOPE}:${req.requestKey}`])
      const earlier = await recallResponse<StartResponse>(c, req.projectId, START_SCOPE, req.requestKey)
      if (earlier) return earlier
    }
    // An in-process starter is a worker that registered the definition itself.
    if (!req.created && !(await isDefinitionKnown(c, req.definitionName, req.definitionVersion))) {
      throw new ContinuaError('definition_not_registered', `No worker has registered workflow ${req.definitionName}@${req.definitionVersion}`)
    }
    const fresh = {
      projectId: req.projectId,
      runNumber: 1,
      definitionName: req.definitionName,
      definitionVersion: req.definitionVersion,
      instanceKey: req.instanceKey,
      input: req.input ?? null,
      selfActivated: !!req.created,
      id: req.runId,
      startedAt: req.startedAt,
    }
    const run = await createRunWithInstance(c, fresh)
    if (!run) {
      const open = req.signal ? await signalOpenRun(c, req.projectId, req.instanceKey, req.signal) : null
      if (!open) throw new ContinuaError('instance_conflict', `Instance key ${req.instanceKey} is already in use in this project`)
      return rememberStart(c, req, open)
    }
    if (req.signal) await deliverSignal(c, run, req.signal.name, req.signal.payload)
    if (req.created) await req.created(c, run, startedEvent(fresh))
    return rememberStart(c, req, { run_id: run.id, instance_key: req.instanceKey, trace_id: `engine:${run.id}` })
  })
}

/** Signal-with-start on an existing instance: signals its latest run if that run is still open. */
async function signalOpenRun(c: Client, projectId: string, instanceKey: string, signal: { name: string; payload: unknown }): Promise<StartResponse | null> {
  const { rows } = await c.query<{ id: string }>(
    `select r.id from engine.runs r join engine.instances i on i.id = r.instance_id
     where i.project_id = $1 and i.instance_key = $2 order by r.run_number desc limit 1`,
    [projectId, instanceKey],
  )
  if (!rows[0]) return null
  const run = await lockRun(c, rows[0].id)
  if (!run || isTerminal(run.status)) return null
  await deliverSignal(c, run, signal.name, signal.payload)
  await wakeRun(c, run)
  return { run_id: run.id, instance_key: instanceKey, trace_id: `engine:${run.id}` }
}

async function rememberStart(c: Client, req: StartRequest, response: StartResponse): Promise<StartResponse> {
  if (req.requestKey) await rememberResponse(c, req.projectId, START_SCOPE, req.requestKey, response.run_id, response)
  return response
}

/** The answer an earlier request with this key got, while the key has not expired. */
async function recallResponse<T>(c: Client, projectId: string, scope: string, requestKey: string): Promise<T | undefined> {
  const { rows } = await c.query<{ response: T }>(
    `select response from engine.request_dedupe where project_id = $1 and scope = $2 and request_key = $3 and expires_at > now()`,
    [projectId, scope, requestKey],
  )
  return rows[0]?.response
}

async function rememberResponse(c: Client, projectId: string, scope: string, requestKey: string, runId: string, response: unknown): Promise<void> {
  await c.query(
    `insert into engine.request_dedupe (project_id, scope, request_key, run_id, response, expires_at)
     values ($1, $2, $3, $4, $5::jsonb, now() + interval '${DEDUPE_TTL}')
     on conflict (project_id, scope, request_key) do update set run_id = excluded.run_id, response = excluded.response, expires_at = excluded.expires_at`,
    [projectId, scope, requestKey, runId, JSON.stringify(response)],
  )
}

async function lockVisible(c: Client, projectId: string | undefined, runId: string): Promise<RunRow> {
  const run = await lockRun(c, runId)
  if (!run || (projectId && run.project_id !== projectId)) throw new ContinuaError('run_not_found', `Run ${runId} not found`)
  return run
}

function refuseTerminal(run: RunRow): void {
  if (isTerminal(run.status)) throw new ContinuaError('run_terminal', `Run ${run.id} is already ${run.status}`)
}

export interface ControlResponse {
  run_id: string
  instance_key: string
  accepted: boolean
  wake_applied: boolean
}

async function instanceKeyOf(c: Client, run: RunRow): Promise<string> {
  const { rows } = await c.query<{ instance_key: string }>('select instance_key from engine.instances where id = $1', [run.instance_id])
  return rows[0]!.instance_key
}

/**
 * Delivers a signal. With a request key (Continua extension) a retried request is delivered once:
 * a repeat replays the first answer, even after the run has ended. The run's row lock serialises
 * concurrent repeats.
 */
export async function signalRun(pool: pg.Pool, projectId: string | undefined, runId: string, name: string, payload: unknown, requestKey?: string): Promise<ControlResponse> {
  return withTx(pool, async (c) => {
    const run = await lockVisible(c, projectId, runId)
    const dedupeKey = requestKey === undefined ? undefined : `${run.id}:${requestKey}`
    if (dedupeKey) {
      const earlier = await recallResponse<ControlResponse>(c, run.project_id, SIGNAL_SCOPE, dedupeKey)
      if (earlier) return earlier
    }
    refuseTerminal(run)
    await deliverSignal(c, run, name, payload)
    const wake = await wakeRun(c, run)
    const response = { run_id: run.id, instance_key: await instanceKeyOf(c, run), accepted: true, wake_applied: wake }
    if (dedupeKey) await rememberResponse(c, run.project_id, SIGNAL_SCOPE, dedupeKey, run.id, response)
    return response
  })
}

export async function cancelRun(pool: pg.Pool, projectId: string | undefined, runId: string): Promise<ControlResponse> {
  return withTx(pool, async (c) => {
    const run = await lockVisible(c, projectId, runId)
    refuseTerminal(run)
    const { wakeApplied } = await requestCancelLocked(c, run)
    return { run_id: run.id, instance_key: await instanceKeyOf(c, run), accepted: true, wake_applied: wakeApplied }
  })
}

/** Terminates a run and its descendants at once; the optional reason is kept in its failure. */
export async function terminateRun(pool: pg.Pool, projectId: string | undefined, runId: string, reason?: string): Promise<void> {
  await withTx(pool, async (c) => {
    const run = await lockVisible(c, projectId, runId)
    await terminateLocked(c, run, true, reason)
  })
}

export async function suspendRun(pool: pg.Pool, projectId: string | undefined, runId: string): Promise<void> {
  await withTx(pool, async (c) => {
    const run = await lockVisible(c, projectId, runId)
    if (run.status === 'suspended') return
    refuseTerminal(run)
    if (run.status === 'running' || run.status === 'quarantined') {
      throw new ContinuaError('run_not_suspendable', `Run ${run.id} is ${run.status} and cannot be suspended now`)
    }
    await appendEvents(c, run, [{ type: 'workflow.suspended', payload: {} }])
    await c.query(`update engine.runs set status = 'suspended', updated_at = now() where id = $1`, [run.id])
  })
}

export async function resumeRun(pool: pg.Pool, projectId: string | undefined, runId: string): Promise<void> {
  await withTx(pool, async (c) => {
    const run = await lockVisible(c, projectId, runId)
    refuseTerminal(run)
    if (run.status !== 'suspended' && run.status !== 'quarantined') return
    await appendEvents(c, run, [{ type: 'workflow.resumed', payload: { from: run.status } }])
    await c.query(
      `update engine.runs set status = 'queued', error_code = null, error_message = null, waiting_for = null,
         activation_version = activation_version + 1, updated_at = now() where id = $1`,
      [run.id],
    )
    run.status = 'queued'
    await wakeRun(c, run)
  })
}
