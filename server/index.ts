import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createOidcVerifier } from '../src/auth/oidc.js'
import type { AuthSettings } from '../src/auth/principal.js'
import type { ContinuaConfig } from '../src/config.js'
import { writeCredentials } from '../src/credentials.js'
import { openDatabase, type Database } from '../src/db/connection.js'
import { assertNoPendingMigrations, migrateUp, pendingMigrations } from '../src/db/migrate.js'
import { ContinuaError } from '../src/errors.js'
import { installWorkerSchema, startWorker, workerContext, type BackgroundWorker } from '../src/jobs/worker.js'
import type { Logger } from '../src/logger.js'
import { bootstrapDefaultProject } from '../src/projects.js'
import { createApp } from './app.js'

// `continua serve`: database, migrations check, first-start bootstrap, the in-process worker and
// the HTTP server, with an orderly shutdown in reverse.

export interface ServeOptions {
  config: ContinuaConfig
  logger: Logger
  worker: boolean
  /** Read-only public demo of the seeded demo project (`serve --demo`); else CONTINUA_DEMO. */
  demo?: boolean
  /** Print a line for the operator (stdout). */
  say: (line: string) => void
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly database: Database
  stop(): Promise<void>
}

const DRAIN_TIMEOUT_MS = 10_000

export async function startServe(options: ServeOptions): Promise<RunningServer> {
  const { config, logger, say } = options
  const database = await openDatabase(config, logger, 'serve')
  let runner: BackgroundWorker | undefined
  let server: http.Server | undefined
  try {
    await prepareSchema(database, logger)
    const created = await bootstrapDefaultProject(database.db)
    if (created) {
      const file = writeCredentials(config.home, { api_url: publicUrl(config), api_key: created.api_key, project_id: created.id, project_name: created.name })
      say(`Created project "default". Its API key (shown once): ${created.api_key}`)
      say(`Saved to ${file}`)
    }
    if (options.worker) {
      runner = await startWorker(workerContext(config, database, logger))
    }
    const auth: AuthSettings = { adminToken: config.adminToken, host: config.host }
    if (config.oidc) {
      auth.oidc = createOidcVerifier(config.oidc)
      auth.oidcClient = { issuer: config.oidc.issuer, clientId: config.oidc.clientId, audience: config.oidc.audience, scopes: config.oidc.scopes }
    }
    if (options.demo ?? config.demo.enabled) {
      // The demo shows the seeded project; seeding is idempotent, so a restart changes nothing.
      const { seedDemo } = await import('../src/seed/index.js')
      const seeded = await seedDemo(database.db, { logger })
      auth.demoProjectId = seeded.project.id
      auth.demoLabel = config.demo.label
      say(`Public demo: project "${seeded.project.name}" is readable without credentials; every change is refused.`)
    }
    const app = createApp({ db: database.db, logger, auth, maxBodyBytes: config.maxBodyBytes, pool: database.pool, ingest: config.ingest, otlpMaxBodyBytes: config.otlpMaxBodyBytes, rateLimits: config.rateLimits })
    server = http.createServer(app)
    server.keepAliveTimeout = 65_000
    server.requestTimeout = 60_000
    await listen(server, config.port, config.host)
    const port = (server.address() as AddressInfo).port
    logger.info('server listening', { host: config.host, port, worker: options.worker, embedded: Boolean(database.embedded) })
    say(`Continua is listening on ${publicUrl(config, port)}`)
    const srv = server
    const run = runner
    let stopping: Promise<void> | undefined
    return {
      url: publicUrl(config, port),
      port,
      database,
      stop: () => (stopping ??= shutdown(srv, run, database, logger)),
    }
  } catch (err) {
    server?.close()
    await runner?.stop().catch(() => {})
    await database.close()
    throw err
  }
}

async function prepareSchema(database: Database, logger: Logger): Promise<void> {
  if (!database.embedded) return assertNoPendingMigrations(database.pool)
  // The embedded default migrates itself.
  if ((await pendingMigrations(database.pool)).length > 0) await migrateUp(database.pool, logger)
  await installWorkerSchema(database.pool, logger)
}

function publicUrl(config: ContinuaConfig, port = config.port): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host === '127.0.0.1' ? 'localhost' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new ContinuaError('invalid_setting', `Port ${port} on ${host} is already in use; set PORT or --port`))
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new ContinuaError('invalid_setting', `Cannot listen on host ${host}: ${err.code}`))
      else reject(err)
    })
    server.listen(port, host, () => resolve())
  })
}

async function shutdown(server: http.Server, runner: BackgroundWorker | undefined, database: Database, logger: Logger): Promise<void> {
  logger.info('shutting down')
  // Stop accepting, let in-flight requests finish, then cut what is left.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS)
  await closed
  clearTimeout(timer)
  await runner?.stop().catch((err: unknown) => logger.warn('worker did not stop cleanly', { error: err }))
  await database.close()
  logger.info('stopped')
}
