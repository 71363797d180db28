import { Router } from 'express'
import type pg from 'pg'
import { resolveScope } from '../../src/auth/principal.js'
import { Uuid } from '../../src/contract/common.js'
import { EngineClaimRequest, EngineCompleteRequest, EngineFailRequest, EngineHeartbeatRequest } from '../../src/contract/engine.js'
import { parseInput } from '../../src/contract/validate.js'
import { claimRemote, completeRemote, failRemote, heartbeatRemote, parseLease } from '../../src/engine/remote.js'
import { ContinuaError } from '../../src/errors.js'
import { principalOf } from '../middleware/auth.js'

// Remote activity workers: claim, heartbeat, complete, fail — fenced on worker_id.

function taskIdParam(raw: unknown): string {
  const parsed = Uuid.safeParse(raw)
  if (!parsed.success) throw new ContinuaError('activity_task_not_found', `Activity task ${String(raw).slice(0, 64)} not found`)
  return parsed.data.toLowerCase()
}

export function engineActivityRoutes(pool: pg.Pool): Router {
  const router = Router()

  router.post('/v1/engine/activities/claim', async (req, res) => {
    const projectId = resolveScope(principalOf(res), req.query.project_id, { required: true })!
    const body = parseInput(EngineClaimRequest, req.body)
    const tasks = await claimRemote(pool, projectId, body.worker_id, body.activity_types, parseLease(body.lease_duration), body.max_tasks ?? 10)
    res.json({ tasks })
  })

  router.post('/v1/engine/activities/:id/heartbeat', async (req, res) => {
    const projectId = resolveScope(principalOf(res), req.query.project_id, { required: true })!
    const body = parseInput(EngineHeartbeatRequest, req.body)
    res.json(await heartbeatRemote(pool, projectId, taskIdParam(req.params.id), body.worker_id))
  })

  router.post('/v1/engine/activities/:id/complete', async (req, res) => {
    const projectId = resolveScope(principalOf(res), req.query.project_id, { required: true })!
    const body = parseInput(EngineCompleteRequest, req.body)
    await completeRemote(pool, projectId, taskIdParam(req.params.id), body.worker_id, body.output)
    res.status(204).end()
  })

  router.post('/v1/engine/activities/:id/fail', async (req, res) => {
    const projectId = resolveScope(principalOf(res), req.query.project_id, { required: true })!
    const body = parseInput(EngineFailRequest, req.body)
    await failRemote(pool, projectId, taskIdParam(req.params.id), body.worker_id, body.error_code, body.error_message, body.non_retryable)
    res.status(204).end()
  })

  return router
}
