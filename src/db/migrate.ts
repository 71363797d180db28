import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { ContinuaError } from '../errors.js'
import type { Logger } from '../logger.js'

// Numbered SQL migrations in migrations/: NNNNNN_name.up.sql with a matching .down.sql.
// Every run holds a session advisory lock, so two processes never migrate at once, and each
// migration runs in its own transaction together with its bookkeeping row.

const LOCK_KEY = 7_340_210_001 // arbitrary, constant: "continua migrations"

export interface Migration {
  version: number
  name: string
  up: string
  down: string
}

export interface MigrationStatus {
  version: number
  name: string
  applied: boolean
  applied_at: string | null
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), migrationsRelative())

function migrationsRelative(): string {
  return import.meta.url.includes('/dist/src/') ? '../../../migrations' : '../../migrations'
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = fs.readdirSync(dir)
  const byVersion = new Map<number, Partial<Migration>>()
  for (const file of files) {
    const m = /^(\d{6})_([a-z0-9_]+)\.(up|down)\.sql$/.exec(file)
    if (!m) continue
    const version = Number(m[1])
    const entry = byVersion.get(version) ?? { version, name: m[2]! }
    entry[m[3] as 'up' | 'down'] = fs.readFileSync(path.join(dir, file), 'utf8')
    byVersion.set(version, entry)
  }
  const migrations = [...byVersion.values()].sort((a, b) => a.version! - b.version!)
  for (const m of migrations) {
    if (m.up === undefined || m.down === undefined) {
      throw new Error(`Migration ${m.version} (${m.name}) needs both an .up.sql and a .down.sql file`)
    }
  }
  return migrations as Migration[]
}

async function withLock<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY])
    try {
      await ensureTable(client)
      return await fn(client)
    } finally {
      await client.query('select pg_advisory_unlock($1)', [LOCK_KEY])
    }
  } finally {
    client.release()
  }
}

async function ensureTable(client: pg.PoolClient): Promise<void> {
  await client.query(`create table if not exists continua_migrations (
    version integer primary key,
    name text not null,
    applied_at timestamptz not null default now()
  )`)
}

async function appliedRows(client: pg.ClientBase): Promise<Map<number, { name: string; applied_at: Date }>> {
  const { rows } = await client.query<{ version: number; name: string; applied_at: Date }>(
    'select version, name, applied_at from continua_migrations order by version',
  )
  return new Map(rows.map((r) => [r.version, r]))
}

function checkNotNewer(applied: Map<number, unknown>, known: Migration[]): void {
  const knownVersions = new Set(known.map((m) => m.version))
  const unknown = [...applied.keys()].filter((v) => !knownVersions.has(v))
  if (unknown.length > 0) {
    throw new ContinuaError(
      'conflict',
      `The database has migration ${Math.max(...unknown)} applied, which this version of Continua does not know; upgrade Continua`,
    )
  }
}

export async function migrationStatus(pool: pg.Pool, migrations = loadMigrations()): Promise<MigrationStatus[]> {
  const client = await pool.connect()
  try {
    const exists = await client.query(`select to_regclass('continua_migrations') as t`)
    const applied = exists.rows[0]?.t ? await appliedRows(client) : new Map<number, { name: string; applied_at: Date }>()
    return migrations.map((m) => ({
      version: m.version,
      name: m.name,
      applied: applied.has(m.version),
      applied_at: applied.get(m.version)?.applied_at.toISOString() ?? null,
    }))
  } finally {
    client.release()
  }
}

export async function pendingMigrations(pool: pg.Pool): Promise<MigrationStatus[]> {
  return (await migrationStatus(pool)).filter((m) => !m.applied)
}

/** Refuses to go on when migrations are pending, naming the command that fixes it. */
export async function assertNoPendingMigrations(pool: pg.Pool): Promise<void> {
  const pending = await pendingMigrations(pool)
  if (pending.length > 0) {
    throw new ContinuaError(
      'pending_migrations',
      `The database has ${pending.length} pending migration(s) (next: ${pending[0]!.version} ${pending[0]!.name}); run \`continua migrate\` first`,
    )
  }
}

/** Applies every pending migration; returns the ones applied. */
export async function migrateUp(pool: pg.Pool, logger: Logger, migrations = loadMigrations()): Promise<Migration[]> {
  return withLock(pool, async (client) => {
    const applied = await appliedRows(client)
    checkNotNewer(applied, migrations)
    const done: Migration[] = []
    for (const m of migrations) {
      if (applied.has(m.version)) continue
      await inTransaction(client, async () => {
        await client.query(m.up)
        await client.query('insert into continua_migrations (version, name) values ($1, $2)', [m.version, m.name])
      })
      logger.info('applied migration', { version: m.version, name: m.name })
      done.push(m)
    }
    return done
  })
}

/** Reverts the last `steps` applied migrations, newest first; returns the ones reverted. */
export async function migrateDown(pool: pg.Pool, steps: number, logger: Logger, migrations = loadMigrations()): Promise<Migration[]> {
  return withLock(pool, async (client) => {
    const applied = await appliedRows(client)
    checkNotNewer(applied, migrations)
    const targets = migrations.filter((m) => applied.has(m.version)).reverse().slice(0, steps)
    for (const m of targets) {
      await inTransaction(client, async () => {
        await client.query(m.down)
        await client.query('delete from continua_migrations where version = $1', [m.version])
      })
      logger.info('reverted migration', { version: m.version, name: m.name })
    }
    return targets
  })
}

async function inTransaction(client: pg.PoolClient, fn: () => Promise<void>): Promise<void> {
  await client.query('begin')
  try {
    await fn()
    await client.query('commit')
  } catch (err) {
    await client.query('rollback').catch(() => {})
    throw err
  }
}
