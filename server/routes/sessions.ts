import { Router, type Request, type Response } from 'express'
import type { Kysely } from 'kysely'
import { resolveScope } from '../../src/auth/principal.js'
import { CompareQuery, SessionListQuery } from '../../src/contract/sessions.js'
import { parseInput } from '../../src/contract/validate.js'
import type { DB } from '../../src/db/schema.js'
import { isContinuaError } from '../../src/errors.js'
import { compareTraces } from '../../src/observe/compare.js'
import { buildNarrative } from '../../src/observe/narrative.js'
import { sessionToWire } from '../../src/observe/mappers.js'
import { listSessions, requireSession } from '../../src/observe/sessions.js'
import { principalOf } from '../middleware/auth.js'

const scopeOf = (req: Request, res: Response) => resolveScope(principalOf(res), req.query.project_id)

export function sessionRoutes(db: Kysely<DB>): Router {
  const router = Router()

  router.get('/api/sessions', async (req, res) => {
    const scope = scopeOf(req, res)
    res.json(await listSessions(db, scope, parseInput(SessionListQuery, req.query, 'query')))
  })

  router.get('/api/sessions/:id', async (req, res) => {
    res.json(sessionToWire(await requireSession(db, scopeOf(req, res), req.params.id)))
  })

  router.get('/api/sessions/:id/narrative', async (req, res) => {
    const session = await requireSession(db, scopeOf(req, res), req.params.id)
    res.json(await buildNarrative(db, session))
  })

  router.get('/api/sessions/:id/compare', async (req, res) => {
    const scope = scopeOf(req, res)
    const session = await requireSession(db, scope, req.params.id)
    const query = parseInput(CompareQuery, req.query, 'query')
    try {
      res.json(await compareTraces(db, session, query.baseline_trace_id, query.candidate_trace_id))
    } catch (err) {
      if (!isContinuaError(err) || err.code !== 'comparison_too_large') throw err
      // The standard envelope, plus the reference's `detail` key so its clients keep working.
      res.status(err.httpStatus).json({ code: err.code, message: err.message, details: err.details, detail: err.details, request_id: res.locals.requestId })
    }
  })

  return router
}
