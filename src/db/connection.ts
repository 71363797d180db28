import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { ContinuaConfig } from '../config.js'
import { ContinuaError } from '../errors.js'
import type { Logger } from '../logger.js'
import { continuaApplicationName, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js'
import type { DB } from './schema.js'

// One pg pool per process, with kysely on top. Callers get `close()`, which also leaves the
// embedded cluster (stopping it when this was the last continua process using it).

export interface Database {
  readonly db: Kysely<DB>
  readonly pool: pg.Pool
  readonly url: string
  readonly embedded: EmbeddedPostgres | undefined
  close(): Promise<void>
}

// Postgres returns int8 (counts, bigserial) as strings; ours fit in a double, so parse them.
pg.types.setTypeParser(20, (v: string) => Number(v))

export async function openDatabase(config: ContinuaConfig, logger: Logger, role: string): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ home: config.home, logger })
  const url = config.databaseUrl ?? embedded!.url
  const pool = createPool(url, config.poolSize, role, logger)
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  let closed = false
  return {
    db,
    pool,
    url,
    embedded,
    async close() {
      if (closed) return
      closed = true
      await db.destroy().catch(() => {})
      // kysely only ends a pool it has used; end it ourselves when it never ran a query.
      if (!pool.ended) await pool.end().catch(() => {})
      await embedded?.release()
    },
  }
}

export function createPool(url: string, max: number, role: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: continuaApplicationName(role),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  })
  // An idle client losing its connection (server restart, pg_terminate_backend) must not crash
  // the process; the pool replaces it on the next checkout.
  pool.on('error', (err) => logger.warn('idle database connection lost', { error: err.message }))
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn('database connection error', { error: err.message }))
  })
  return pool
}

/** Turns a connection failure into one readable line. */
export function describeConnectionError(err: unknown, url: string): ContinuaError {
  const safe = redactUrl(url)
  const code = (err as { code?: string }).code
  const message = (err as Error).message ?? String(err)
  if (code === 'ECONNREFUSED') return new ContinuaError('database_unavailable', `Cannot connect to Postgres at ${safe}: connection refused`)
  if (code === '3D000') return new ContinuaError('database_unavailable', `Database does not exist at ${safe}: ${message}`)
  if (code === '28P01' || code === '28000') return new ContinuaError('database_unavailable', `Postgres rejected the credentials for ${safe}: ${message}`)
  return new ContinuaError('database_unavailable', `Cannot use Postgres at ${safe}: ${message}`, undefined, { cause: err })
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '<invalid url>'
  }
}
