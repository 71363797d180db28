import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

// A client that hangs up on a trace stream right after the headers must not leave the stream's
// poll and heartbeat timers running forever (each leaked stream re-read the database every 2 s).

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('trace stream: clients that hang up at once', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let traceId: string

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
    key = (await createProject(t.db, 'hangups')).api_key
    const res = await fetch(`${server.url}/v1/ingest?sync=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ batch_key: 'b', spans: [{ trace_id: 'tr', span_id: 's', name: 's', start_time: '2026-05-01T10:00:00.000Z' }] }),
    })
    assert.equal(res.status, 200)
    traceId = (await t.pool.query(`select id from traces`)).rows[0].id
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('leaves no timers behind', async () => {
    const baseline = timers()
    for (let i = 0; i < 30; i++) {
      const abort = new AbortController()
      const res = await fetch(`${server.url}/api/traces/${traceId}/stream`, { headers: { 'x-api-key': key }, signal: abort.signal })
      assert.equal(res.status, 200)
      abort.abort()
    }
    await new Promise((r) => setTimeout(r, 1500))
    assert.ok(timers() - baseline < 10, `timers grew from ${baseline} to ${timers()}`)
  })
})
