import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { TokenBuckets } from '../../src/ratelimit/token-bucket.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// Rate limits (per API key, per peer for failed authentication) and GET /metrics on a real server.

const ADMIN = 'admin-token-for-limits-0123456789'

describe('token buckets', () => {
  it('refill at the configured rate and report the wait', () => {
    let now = 0
    const b = new TokenBuckets({ ratePerSecond: 2, burst: 3 }, () => now)
    assert.deepEqual([1, 2, 3].map(() => b.take('k').allowed), [true, true, true])
    const refused = b.take('k')
    assert.equal(refused.allowed, false)
    assert.equal(refused.retryAfterSeconds, 1)
    assert.equal(b.take('other').allowed, true, 'keys are independent')
    now += 500
    assert.equal(b.take('k').allowed, true, 'half a second gives one token at 2/s')
    assert.equal(b.take('k').allowed, false)
    now += 10_000
    assert.equal(b.peek('k').remaining, 3, 'never more than the burst')
  })
})

describe('rate limiting and /metrics over HTTP', () => {
  let t: TestDatabase
  let server: TestServer
  let keyA: string
  let keyB: string

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, {
      adminToken: ADMIN,
      host: '0.0.0.0',
      rateLimits: { perKeyPerSecond: 1, perKeyBurst: 5, perPeerPerSecond: 1, perPeerBurst: 4 },
    })
    keyA = (await createProject(t.db, 'a')).api_key
    keyB = (await createProject(t.db, 'b')).api_key
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('a key over its burst gets 429 rate_limited with Retry-After; another key is unaffected', async () => {
    const statuses: number[] = []
    let limited: Awaited<ReturnType<typeof api>> | undefined
    for (let i = 0; i < 8; i++) {
      const res = await api(server.url, 'GET', '/api/traces', { headers: { 'x-api-key': keyA } })
      statuses.push(res.status)
      if (res.status === 429) limited ??= res
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200])
    assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join(','))
    assert.equal(limited!.body.code, 'rate_limited')
    assert.match(limited!.body.message, /API key.*retry after \d+ s/)
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1)
    assert.equal((await api(server.url, 'GET', '/api/traces', { headers: { 'x-api-key': keyB } })).status, 200)
    // The admin token is never limited.
    for (let i = 0; i < 8; i++) assert.equal((await api(server.url, 'GET', '/api/projects', { headers: { authorization: `Bearer ${ADMIN}` } })).status, 200)
  })

  it('a peer that keeps failing authentication is refused before the key lookup', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await api(server.url, 'GET', '/api/traces', { headers: { 'x-api-key': `ck_wrong${i}` } })).status)
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401])
    assert.ok(statuses.slice(4).every((s) => s === 429), statuses.join(','))
  })

  it('GET /metrics: operators only, Prometheus text with HTTP, queue, engine and ingest series', async () => {
    const asKey = await api(server.url, 'GET', '/metrics', { headers: { 'x-api-key': keyB } })
    assert.equal(asKey.status, 403)
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    assert.match(text, /continua_http_requests_total\{method="GET",route="none",status="429"\} [1-9]/)
    assert.match(text, /continua_http_requests_total\{method="GET",route="\/api\/traces",status="200"\} [1-9]/)
    assert.match(text, /continua_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/projects",status_class="2xx"\}/)
    assert.match(text, /continua_ingest_batches_pending\{status="queued"\} 0/)
    assert.match(text, /continua_engine_worker_heartbeat_age_seconds 0/)
    assert.match(text, /process_resident_memory_bytes \d+/)
    assert.doesNotMatch(text, /continua_metrics_scrape_errors_total [1-9]/, 'database gauges were read')
  })

  it('GET /metrics counts queued jobs and runs by status', async () => {
    await t.pool.query(`select graphile_worker.add_job('metrics-probe', '{}'::json)`)
    await t.pool.query(`select graphile_worker.add_job('metrics-probe', '{}'::json, run_at => now() + interval '1 hour')`)
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
    assert.match(text, /continua_queue_jobs\{task="metrics-probe",state="ready"\} 1/)
    assert.match(text, /continua_queue_jobs\{task="metrics-probe",state="scheduled"\} 1/)
    assert.match(text, /continua_queue_oldest_ready_seconds\{task="metrics-probe"\} [\d.]+/)
  })
})
