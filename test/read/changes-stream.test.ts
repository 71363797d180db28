import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient } from '../../src/client/index.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// GET /api/changes/stream: a project's change notices over SSE (what the TUI's lists listen to).

describe('GET /api/changes/stream', () => {
  let t: TestDatabase
  let server: TestServer
  let noFeed: TestServer
  let mine: { api_key: string }
  let other: { api_key: string }

  before(async () => {
    t = await createTestDatabase()
    mine = await createProject(t.db, 'changes-mine')
    other = await createProject(t.db, 'changes-other')
    server = await startTestServer(t.db, { pool: t.pool })
    noFeed = await startTestServer(t.db)
  })
  after(async () => {
    await server?.close()
    await noFeed?.close()
    await t?.drop()
  })

  const ingest = (key: string, traceId: string) =>
    api(server.url, 'POST', '/v1/ingest?sync=true', {
      headers: { 'x-api-key': key },
      body: { batch_key: `batch-${traceId}`, traces: [{ trace_id: traceId, name: traceId }] },
    })

  it('sends ready (live), then one change per burst of writes in the project only', async () => {
    const client = createClient({ url: server.url, apiKey: mine.api_key, source: 'flags' })
    const abort = new AbortController()
    const seen: string[] = []
    let wake: () => void = () => {}
    const consumer = (async () => {
      for await (const m of client.changes(abort.signal)) {
        seen.push(m.kind === 'ready' ? `ready:${m.live}` : 'change')
        wake()
      }
    })()
    const next = (n: number) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw only ${JSON.stringify(seen)}`)), 10_000)
      wake = () => seen.length >= n && (clearTimeout(timer), resolve())
      wake()
    })
    await next(1)
    assert.deepEqual(seen, ['ready:true'])
    const res = await ingest(other.api_key, 'other-trace')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await new Promise((r) => setTimeout(r, 600))
    assert.deepEqual(seen, ['ready:true'], 'another project is not heard')
    await Promise.all([ingest(mine.api_key, 'mine-1'), ingest(mine.api_key, 'mine-2')])
    await next(2)
    await new Promise((r) => setTimeout(r, 600))
    assert.ok(seen.filter((s) => s === 'change').length >= 1)
    abort.abort()
    await consumer
    await client.close()
  })

  it('without a LISTEN connection says so (live false); without a key answers 401', async () => {
    const client = createClient({ url: noFeed.url, apiKey: mine.api_key, source: 'flags' })
    const abort = new AbortController()
    for await (const m of client.changes(abort.signal)) {
      assert.deepEqual(m, { kind: 'ready', live: false })
      abort.abort()
      break
    }
    await client.close()
    const anon = await fetch(`${server.url}/api/changes/stream`, { headers: { 'x-api-key': 'ck_wrong' } })
    assert.equal(anon.status, 401)
  })
})
