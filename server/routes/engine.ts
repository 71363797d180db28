import { Router, type Request } from 'express'
import type { Kysely } from 'kysely'
import { resolveScope } from '../../src/auth/principal.js'
import { Uuid } from '../../src/contract/common.js'
import { EngineBackfillRequest, EngineHistoryQuery, EnginePurgeRequest, EngineRunsQuery, EngineSignalRunRequest, EngineStartRunRequest, EngineTerminateRequest } from '../../src/contract/engine.js'
import { parseInput } from '../../src/contract/validate.js'
import { poolFromKysely } from '../../src/db/kysely-pool.js'
import type { DB } from '../../src/db/schema.js'
import * as control from '../../src/engine/control.js'
import { backfill, purgeRun, repairRun } from '../../src/engine/purge.js'
import * as q from '../../src/engine/queries.js'
import { listDefinitions } from '../../src/engine/workers.js'
import { ContinuaError } from '../../src/errors.js'
import { principalOf } from '../middleware/auth.js'
import { engineActivityRoutes } from './engine-activities.js'

// The engine control plane, /v1/engine/*: start, inspect and steer runs.

const LIVE_WITHIN_MS = 60_000

function runIdParam(raw: unknown): string {
  const parsed = Uuid.safeParse(raw)
  if (!parsed.success) throw new ContinuaError('run_not_found', `Run ${String(raw).slice(0, 64)} not found`)
  return parsed.data.toLowerCase()
}

export function engineRoutes(db: Kysely<DB>): Router {
  const pool = poolFromKysely(db)
  const router = Router()
  const scope = (req: Request, res: Parameters<typeof principalOf>[0], required = false) => resolveScope(principalOf(res), req.query.project_id, { required })

  router.get('/v1/engine/health', async (req, res) => {
    res.json(await q.engineHealth(pool, scope(req, res), LIVE_WITHIN_MS))
  })

  router.get('/v1/engine/definitions', async (_req, res) => {
    res.json({ definitions: await listDefinitions(pool, LIVE_WITHIN_MS) })
  })

  router.post('/v1/engine/runs', async (req, res) => {
    const projectId = scope(req, res, true)!
    const body = parseInput(EngineStartRunRequest, req.body)
    const started = await control.startRun(pool, {
      projectId,
      instanceKey: body.instance_key,
      definitionName: body.definition_name,
      definitionVersion: body.definition_version,
      requestKey: body.request_key,
      input: body.input ?? null,
      signal: body.signal ? { name: body.signal.signal_name, payload: body.signal.payload ?? null } : undefined,
    })
    res.json(started)
  })

  router.get('/v1/engine/runs', async (req, res) => {
    const projectId = scope(req, res)
    const query = parseInput(EngineRunsQuery, req.query, 'query')
    res.json(
      await q.listRuns(pool, {
        projectId,
        status: query.status,
        definitionName: query.definition_name,
        instanceKey: query.instance_key,
        parentRunId: query.parent_run_id,
        limit: query.limit,
        cursor: query.cursor ? q.decodeCursor(query.cursor) : undefined,
      }),
    )
  })

  router.get('/v1/engine/instances/:key', async (req, res) => {
    res.json(await q.getInstance(pool, scope(req, res), String(req.params.key)))
  })

  router.get('/v1/engine/runs/:id', async (req, res) => {
    res.json(q.runSummary(await q.getRunRow(pool, scope(req, res), runIdParam(req.params.id))))
  })

  router.get('/v1/engine/runs/:id/result', async (req, res) => {
    res.json(q.runResult(await q.getRunRow(pool, scope(req, res), runIdParam(req.params.id))))
  })

  router.get('/v1/engine/runs/:id/history', async (req, res) => {
    const run = await q.getRunRow(pool, scope(req, res), runIdParam(req.params.id))
    const { after, limit } = parseInput(EngineHistoryQuery, req.query, 'query')
    res.json({ ...(await q.historyPage(pool, run.id, after, limit)), expired: run.projection_state === 'journal_expired' })
  })

  router.get('/v1/engine/runs/:id/pending-work', async (req, res) => {
    res.json(await q.pendingWork(pool, await q.getRunRow(pool, scope(req, res), runIdParam(req.params.id))))
  })

  router.post('/v1/engine/runs/:id/signal', async (req, res) => {
    const body = parseInput(EngineSignalRunRequest, req.body)
    res.json(await control.signalRun(pool, scope(req, res), runIdParam(req.params.id), body.signal_name, body.payload ?? null, body.request_key))
  })

  router.post('/v1/engine/runs/:id/cancel', async (req, res) => {
    res.json(await control.cancelRun(pool, scope(req, res), runIdParam(req.params.id)))
  })

  router.post('/v1/engine/runs/:id/terminate', async (req, res) => {
    const projectId = scope(req, res)
    const id = runIdParam(req.params.id)
    const { reason } = parseInput(EngineTerminateRequest, req.body ?? {})
    await control.terminateRun(pool, projectId, id, reason)
    res.json(q.runResult(await q.getRunRow(pool, projectId, id)))
  })

  router.post('/v1/engine/runs/:id/suspend', async (req, res) => {
    const projectId = scope(req, res)
    const id = runIdParam(req.params.id)
    await control.suspendRun(pool, projectId, id)
    res.json(q.runSummary(await q.getRunRow(pool, projectId, id)))
  })

  router.post('/v1/engine/runs/:id/resume', async (req, res) => {
    const projectId = scope(req, res)
    const id = runIdParam(req.params.id)
    await control.resumeRun(pool, projectId, id)
    res.json(q.runSummary(await q.getRunRow(pool, projectId, id)))
  })

  router.post('/v1/engine/runs/:id/purge', async (req, res) => {
    const projectId = scope(req, res)
    const id = runIdParam(req.params.id)
    const { mode } = parseInput(EnginePurgeRequest, req.body ?? {})
    res.json(await purgeRun(pool, projectId, id, mode))
  })

  router.post('/v1/engine/runs/:id/repair', async (req, res) => {
    res.json(await repairRun(pool, scope(req, res), runIdParam(req.params.id)))
  })

  router.post('/v1/engine/projections/backfill', async (req, res) => {
    const body = parseInput(EngineBackfillRequest, req.body ?? {})
    res.json(
      await backfill(pool, {
        projectId: scope(req, res),
        dryRun: body.dry_run,
        limit: body.limit,
        olderThan: body.older_than,
        instanceKey: body.engine_instance_key,
        definitionName: body.engine_definition_name,
        runStatus: body.engine_run_status,
        projectionState: body.engine_projection_state,
      }),
    )
  })

  router.use(engineActivityRoutes(pool))
  return router
}
