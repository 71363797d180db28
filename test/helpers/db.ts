import { randomBytes } from 'node:crypto'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { DB } from '../../src/db/schema.js'

// Each test file gets databases of its own, cloned from the migrated template that
// scripts/run-tests.mjs builds (or empty, for migration tests).

export interface TestDatabase {
  url: string
  name: string
  pool: pg.Pool
  db: Kysely<DB>
  drop(): Promise<void>
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`')
  return url
}

export function urlFor(database: string): string {
  const url = new URL(adminUrl())
  url.pathname = '/' + database
  return url.toString()
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(), application_name: 'continua:test-admin' })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** A fresh database: migrated (cloned from the template) unless `empty`. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `continua_t_${randomBytes(6).toString('hex')}`
  const template = options.empty ? 'template0' : (process.env.TEST_TEMPLATE_DB ?? 'continua_test_template')
  await adminQuery(`create database ${name} template ${template}`)
  const url = urlFor(name)
  const pool = new pg.Pool({ connectionString: url, max: 5, application_name: 'continua:test' })
  pool.on('error', () => {})
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  let dropped = false
  return {
    url,
    name,
    pool,
    db,
    async drop() {
      if (dropped) return
      dropped = true
      await db.destroy().catch(() => {})
      await adminQuery(`drop database if exists ${name} with (force)`)
    },
  }
}
