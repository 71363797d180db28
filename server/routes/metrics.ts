import { Router } from 'express'
import type { Kysely } from 'kysely'
import { requireOperator, type AuthSettings } from '../../src/auth/principal.js'
import type { DB } from '../../src/db/schema.js'
import { METRICS_CONTENT_TYPE, type Metrics } from '../../src/metrics/registry.js'
import { authMiddleware, principalOf } from '../middleware/auth.js'

// GET /metrics (Prometheus text format) for operators only: the admin token as a bearer (what a
// Prometheus scrape config sends) or local mode. Project keys get 403: the gauges span projects.

export function metricsRoutes(db: Kysely<DB>, auth: AuthSettings, metrics: Metrics): Router {
  const router = Router()
  router.get('/metrics', authMiddleware(db, auth), async (_req, res) => {
    requireOperator(principalOf(res), 'read metrics')
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE)
    res.setHeader('Cache-Control', 'no-store')
    res.send(await metrics.render())
  })
  return router
}
