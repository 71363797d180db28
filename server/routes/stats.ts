import { Router } from 'express'
import type { Kysely } from 'kysely'
import { resolveScope } from '../../src/auth/principal.js'
import { UsageQuery } from '../../src/contract/stats.js'
import { parseInput } from '../../src/contract/validate.js'
import type { DB } from '../../src/db/schema.js'
import { readUsage } from '../../src/observe/usage.js'
import { principalOf } from '../middleware/auth.js'

export function statsRoutes(db: Kysely<DB>): Router {
  const router = Router()
  router.get('/api/stats/usage', async (req, res) => {
    const scope = resolveScope(principalOf(res), req.query.project_id)
    res.json(await readUsage(db, scope, parseInput(UsageQuery, req.query, 'query')))
  })
  return router
}
