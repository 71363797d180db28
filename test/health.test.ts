import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { DB } from '../src/db/schema.js'
import { VERSION } from '../src/version.js'
import { createTestDatabase, type TestDatabase } from './helpers/db.js'
import { freePort } from './helpers/cli.js'
import { api, startTestServer } from './helpers/server.js'

describe('GET /api/health', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase()
  })
  after(async () => {
    await t.drop()
  })

  it('reports ok with the version when the database answers', async () => {
    const server = await startTestServer(t.db, { adminToken: 'x'.repeat(20) })
    try {
      const res = await api(server.url, 'GET', '/api/health')
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, { status: 'ok', version: VERSION, database: 'ok' })
    } finally {
      await server.close()
    }
  })

  it('answers 503 when the database is down', async () => {
    const port = await freePort() // nothing listens here
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/nope`, connectionTimeoutMillis: 500 })
    pool.on('error', () => {})
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    const server = await startTestServer(db, { adminToken: 'x'.repeat(20) })
    try {
      const res = await api(server.url, 'GET', '/api/health')
      assert.equal(res.status, 503)
      assert.deepEqual(res.body, { status: 'unavailable', version: VERSION, database: 'unreachable' })
      const other = await api(server.url, 'GET', '/api/projects', { headers: { 'x-api-key': 'ck_x' } })
      assert.equal(other.status, 503, 'routes needing the database answer 503, not 500')
      assert.equal(other.body.code, 'database_unavailable')
    } finally {
      await server.close()
      await db.destroy()
    }
  })
})
