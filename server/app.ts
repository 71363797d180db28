import express, { type Express } from 'express'
import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { AuthSettings } from '../src/auth/principal.js'
import { DEFAULT_INGEST_SETTINGS, type IngestSettings, type RateLimitSettings } from '../src/config.js'
import { poolFromKysely } from '../src/db/kysely-pool.js'
import { createMetrics, type Metrics } from '../src/metrics/registry.js'
import { RATE_LIMITS_OFF, RateLimiter } from '../src/ratelimit/index.js'
import type { DB } from '../src/db/schema.js'
import type { Logger } from '../src/logger.js'
import { ChangeFeed } from '../src/observe/change-feed.js'
import { authMiddleware } from './middleware/auth.js'
import { errorHandler, notFound } from './middleware/errors.js'
import { httpMetrics } from './middleware/metrics.js'
import { limitFailedAuth, limitPerKey } from './middleware/rate-limit.js'
import { requestContext } from './middleware/request-context.js'
import { engineRoutes } from './routes/engine.js'
import { publicRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { openApiRoutes } from './routes/openapi.js'
import { ingestBodyParser, ingestRoutes } from './routes/ingest.js'
import { isOtlpPath, otlpRoutes } from './routes/otlp.js'
import { payloadRoutes } from './routes/payloads.js'
import { projectRoutes } from './routes/projects.js'
import { changeRoutes } from './routes/changes.js'
import { sessionRoutes } from './routes/sessions.js'
import { statsRoutes } from './routes/stats.js'
import { traceRoutes } from './routes/traces.js'
import { defaultWebRoot, webRoutes } from './routes/web.js'

export interface AppOptions {
  db: Kysely<DB>
  logger: Logger
  auth: AuthSettings
  maxBodyBytes: number
  /** Pool for the live-update LISTEN connection; without it trace streams re-read on a timer. */
  pool?: pg.Pool
  /** /v1/ingest settings (body cap, default mode, truncation limit); defaults when absent. */
  ingest?: IngestSettings
  /** Cap on OTLP bodies after decompression (CONTINUA_OTLP_MAX_BODY_BYTES); 5 MiB when absent. */
  otlpMaxBodyBytes?: number
  /** Directory of the built web debugger; dist/web of the package when absent. */
  webRoot?: string
  /** Per-key and failed-auth-per-peer limits (CONTINUA_RATE_LIMIT_*); off when absent. */
  rateLimits?: RateLimitSettings
  /** Prometheus registry for GET /metrics; one of its own when absent. */
  metrics?: Metrics
}

/** The express app: public routes, then authentication, then the authenticated API. */
export function createApp(options: AppOptions): Express {
  const { db, logger, auth } = options
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')

  app.use(requestContext(logger))
  const metrics = options.metrics ?? createMetrics(options.pool ?? poolFromKysely(db))
  app.use(httpMetrics(metrics))
  app.use(metricsRoutes(db, auth, metrics))
  app.use(publicRoutes(db, auth))
  app.use(openApiRoutes())

  // Routers are mounted at the root so route paths read as in the docs; this one only takes the
  // API prefixes (the web debugger owns every other path).
  const api = express.Router()
  api.use((req, _res, next) => (/^\/(api|v1)(\/|$)/.test(req.path) ? next() : next('router')))
  const limiter = new RateLimiter(options.rateLimits ?? RATE_LIMITS_OFF)
  if (limiter.enabled) api.use(limitFailedAuth(limiter))
  const ingest = options.ingest ?? DEFAULT_INGEST_SETTINGS
  // /v1/ingest reads its body raw with its own cap; the JSON parser below then skips it.
  api.use('/v1/ingest', ingestBodyParser(ingest))
  const json = express.json({ limit: options.maxBodyBytes, strict: false })
  // OTLP routes read their own bodies (protobuf, compressed, or JSON with 64-bit integers).
  api.use((req, res, next) => (isOtlpPath(req.path) ? next() : json(req, res, next)))
  api.use(authMiddleware(db, auth))
  if (limiter.enabled) api.use(limitPerKey(limiter))
  api.use(projectRoutes(db))
  api.use(engineRoutes(db))
  api.use(ingestRoutes(db, ingest, logger))
  api.use(payloadRoutes(db))
  const feed = options.pool ? new ChangeFeed(options.pool, logger) : undefined
  api.use(traceRoutes(db, { feed, logger }))
  api.use(changeRoutes(feed))
  api.use(sessionRoutes(db))
  api.use(statsRoutes(db))
  api.use(otlpRoutes(db, { maxBodyBytes: options.otlpMaxBodyBytes ?? 5 * 1024 * 1024, maxPayloadBytes: ingest.maxPayloadBytes, logger }))
  app.use(api)
  app.use(webRoutes(options.webRoot ?? defaultWebRoot()))

  app.use(notFound)
  app.use(errorHandler(logger))
  return app
}
