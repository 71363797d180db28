import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { ROOT, startCli, type LongRunning } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

// `continua serve` instances are stateless: two processes on one database, requests alternating
// between them as a round-robin balancer would send them, and everything works — ingest on one and
// read on the other, async batches accepted by one and polled on the other, idempotent engine
// starts across instances, and a live stream on one seeing writes made through the other.

const FIXTURE = path.join(ROOT, 'test', 'engine', 'workflows.fixture.ts')
const T0 = '2026-05-01T10:00:00.000Z'

describe('two stateless serve instances on one database', () => {
  let t: TestDatabase
  let servers: ServeProcess[] = []
  let worker: LongRunning
  let key: string
  let turn = 0
  const next = () => servers[turn++ % 2]!

  async function call(method: string, pathname: string, body?: unknown, server = next()) {
    const res = await fetch(server.url + pathname, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'scale-out')).api_key
    servers = await Promise.all([startServeProcess(t.url), startServeProcess(t.url)])
    worker = startCli(['worker', '--workflows', FIXTURE, '--concurrency', '4'], { DATABASE_URL: t.url, LOG_LEVEL: 'error' })
    await worker.waitFor(/Engine worker .* running/)
  })
  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')))
    await worker?.stop('SIGKILL', 5000)
    await t.drop()
  })

  it('ingest on one, read on the other; async batches accepted on one, completed and polled on the other', async () => {
    for (let i = 0; i < 6; i++) {
      const sync = await call('POST', '/v1/ingest?sync=true', { batch_key: `s-${i}`, spans: [{ trace_id: `tr-${i}`, span_id: 'root', name: `root ${i}`, start_time: T0 }] })
      assert.equal(sync.status, 200, JSON.stringify(sync.body))
    }
    const list = await call('GET', '/api/traces?limit=50')
    assert.equal(list.status, 200)
    assert.equal(JSON.stringify(list.body).match(/"tr-\d"/g)?.length, 6)
    const accepted = await call('POST', '/v1/ingest', { batch_key: 'async-1', spans: [{ trace_id: 'tr-async', span_id: 'a', name: 'a', start_time: T0 }] }, servers[0])
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    const again = await call('POST', '/v1/ingest', { batch_key: 'async-1', spans: [{ trace_id: 'tr-async', span_id: 'a', name: 'a', start_time: T0 }] }, servers[1])
    assert.equal(again.body.batch_id, accepted.body.batch_id, 'the same batch key is the same batch on either instance')
    const deadline = Date.now() + 30_000
    for (;;) {
      const status = await call('GET', `/v1/ingest/batches/${accepted.body.batch_id}`)
      assert.equal(status.status, 200)
      if (status.body.status === 'completed') break
      assert.ok(Date.now() < deadline, `batch still ${status.body.status}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  })

  it('engine: a start retried on the other instance is the same run; signalled through either, it completes', async () => {
    const start = { instance_key: 'so-1', request_key: 'so-start-1', definition_name: 'approval', definition_version: '1', input: { timeout: '1h' } }
    const a = await call('POST', '/v1/engine/runs', start, servers[0])
    const b = await call('POST', '/v1/engine/runs', start, servers[1])
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(b.body.run_id, a.body.run_id)
    const signal = await call('POST', `/v1/engine/runs/${a.body.run_id}/signal`, { signal_name: 'approve', payload: { ok: true } }, servers[1])
    assert.equal(signal.status, 200, JSON.stringify(signal.body))
    const deadline = Date.now() + 30_000
    for (;;) {
      const run = await call('GET', `/v1/engine/runs/${a.body.run_id}`)
      if (String(run.body.status).toLowerCase() === 'completed') break
      assert.ok(Date.now() < deadline, `run still ${run.body.status}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const result = await call('GET', `/v1/engine/runs/${a.body.run_id}/result`, undefined, servers[0])
    assert.equal(result.body.result, 'approved')
  })

  it('a live stream on one instance sees spans written through the other', async () => {
    await call('POST', '/v1/ingest?sync=true', { batch_key: 'live-0', spans: [{ trace_id: 'tr-live', span_id: 'root', name: 'root', start_time: T0 }] }, servers[1])
    const id = (await t.pool.query(`select id from traces where trace_id = 'tr-live'`)).rows[0].id
    const abort = new AbortController()
    const res = await fetch(`${servers[0].url}/api/traces/${id}/stream`, { headers: { 'x-api-key': key }, signal: abort.signal })
    assert.equal(res.status, 200)
    const reader = res.body!.getReader()
    let text = ''
    const read = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000
      while (!pattern.test(text)) {
        assert.ok(Date.now() < deadline, `stream never showed ${pattern}: ${text.slice(-300)}`)
        const { value, done } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
    }
    await read(/event: ready/)
    await call('POST', '/v1/ingest?sync=true', { batch_key: 'live-1', spans: [{ trace_id: 'tr-live', span_id: 'child', parent_span_id: 'root', name: 'written elsewhere', start_time: T0 }] }, servers[1])
    await read(/written elsewhere/)
    abort.abort()
  })
})
