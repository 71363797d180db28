import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// POST /v1/ingest and GET /v1/ingest/batches/{id} over HTTP against real Postgres.

const T0 = '2026-03-01T10:00:00.000Z'
const T1 = '2026-03-01T10:00:01.250Z'

function span(i: number, traceId = 'tr-http') {
  return { trace_id: traceId, span_id: `s-${i}`, name: `step ${i}`, start_time: T0, end_time: T1, status: 'completed' }
}

describe('POST /v1/ingest over HTTP', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let otherKey: string
  let projectId: string
  const ADMIN = 'admin-token-for-ingest-tests'

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN })
    const p = await createProject(t.db, 'ingest-http')
    projectId = p.id
    key = p.api_key
    otherKey = (await createProject(t.db, 'other')).api_key
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  const post = (body: unknown, opts: { query?: string; headers?: Record<string, string>; apiKey?: string } = {}) =>
    api(server.url, 'POST', `/v1/ingest${opts.query ?? ''}`, {
      body,
      headers: { 'x-api-key': opts.apiKey ?? key, ...opts.headers },
    })
  const count = async (table: string) => Number((await t.pool.query(`select count(*) from ${table} where project_id = $1`, [projectId])).rows[0].count)

  it('?sync=true processes inline and answers 200 with counts', async () => {
    const res = await post(
      {
        batch_key: 'sync-1',
        traces: [{ trace_id: 'tr-http', name: 'run' }],
        spans: [span(1), span(2), span(3)],
        events: [{ trace_id: 'tr-http', span_id: 's-1', event_type: 'decision', payload: { question: 'q', chosen: 'a' } }],
      },
      { query: '?sync=true' },
    )
    assert.equal(res.status, 200)
    assert.equal(res.body.status, 'ok')
    assert.equal(res.body.trace_count, 1)
    assert.equal(res.body.span_count, 3)
    assert.equal(res.body.event_count, 1)
    assert.equal(res.body.accepted_count, 5)
    assert.equal(res.body.rejected_count, 0)
    const status = await api(server.url, 'GET', `/v1/ingest/batches/${res.body.batch_id}`, { headers: { 'x-api-key': key } })
    assert.equal(status.status, 200)
    assert.equal(status.body.status, 'completed')
    assert.equal(status.body.span_count, 3)
    assert.equal(status.body.batch_key, 'sync-1')
  })

  it('without sync or header processes inline and answers the reference 202 shape', async () => {
    const res = await post({ batch_key: 'default-1', spans: [span(1, 'tr-default')] })
    assert.equal(res.status, 202)
    assert.deepEqual(Object.keys(res.body).sort(), ['batch_id', 'batch_key', 'status'])
    assert.equal(res.body.status, 'accepted')
    const rows = await t.pool.query(`select 1 from spans s join traces t on t.id = s.trace_id where t.trace_id = 'tr-default'`)
    assert.equal(rows.rowCount, 1, 'server-default mode writes before answering')
  })

  it('rejects any async version other than 2', async () => {
    const res = await post({ batch_key: 'v3' }, { headers: { 'X-Continua-Async-Version': '3' } })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'unsupported_async_version')
    assert.match(res.body.message, /"3"/)
  })

  it('refuses operators and missing or foreign keys', async () => {
    const op = await api(server.url, 'POST', '/v1/ingest', { body: { batch_key: 'op' }, headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(op.status, 403)
    assert.equal(op.body.code, 'api_key_required')
    const none = await api(server.url, 'POST', '/v1/ingest', { body: { batch_key: 'none' }, headers: { authorization: 'Bearer nope' } })
    assert.equal(none.status, 401)
    const mismatch = await post({ batch_key: 'mm' }, { query: '?project_id=00000000-0000-0000-0000-000000000000' })
    assert.equal(mismatch.status, 403)
    assert.equal(mismatch.body.code, 'project_scope_mismatch')
  })

  it('a repeated batch_key with the same body is a duplicate; with another body a 409', async () => {
    const body = { batch_key: 'dup-1', spans: [span(1, 'tr-dup')] }
    const first = await post(body, { query: '?sync=true' })
    assert.equal(first.status, 200)
    const again = await post(body, { query: '?sync=true' })
    assert.equal(again.status, 200)
    assert.equal(again.body.status, 'duplicate')
    assert.equal(again.body.batch_id, first.body.batch_id)
    const conflict = await post({ ...body, spans: [span(2, 'tr-dup')] }, { query: '?sync=true' })
    assert.equal(conflict.status, 409)
    assert.equal(conflict.body.code, 'batch_key_conflict')
    const spans = await t.pool.query(`select s.span_id from spans s join traces t on t.id = s.trace_id where t.trace_id = 'tr-dup'`)
    assert.deepEqual(spans.rows.map((r) => r.span_id), ['s-1'])
    // the same key is free in another project
    const other = await post(body, { query: '?sync=true', apiKey: otherKey })
    assert.equal(other.body.status, 'ok')
  })

  it('50 racing identical requests write once and all name the same batch', async () => {
    const body = { batch_key: 'race-1', spans: Array.from({ length: 20 }, (_, i) => span(i, 'tr-race')), events: [{ trace_id: 'tr-race', span_id: 's-0', message: 'once' }] }
    const results = await Promise.all(Array.from({ length: 50 }, () => post(body, { query: '?sync=true' })))
    assert.ok(results.every((r) => r.status === 200), `statuses: ${[...new Set(results.map((r) => r.status))]}`)
    assert.equal(results.filter((r) => r.body.status === 'ok').length, 1)
    assert.equal(results.filter((r) => r.body.status === 'duplicate').length, 49)
    assert.equal(new Set(results.map((r) => r.body.batch_id)).size, 1)
    const { rows } = await t.pool.query(
      `select (select count(*)::int from spans s join traces t on t.id = s.trace_id where t.trace_id = 'tr-race') as spans,
              (select count(*)::int from span_events e join traces t on t.id = e.trace_id where t.trace_id = 'tr-race') as events,
              (select count(*)::int from ingest_batches where batch_key = 'race-1') as batches`,
    )
    assert.deepEqual(rows[0], { spans: 20, events: 1, batches: 1 })
  })

  it('a failed sync batch leaves no batch row, so the key can be retried', async () => {
    const bad = await post({ batch_key: 'retry-1', spans: [{ ...span(1, 'tr-retry'), name: 'x\u0000y' }] }, { query: '?sync=true' })
    assert.equal(bad.status, 400)
    assert.match(bad.body.message, /^spans\[0\]\.name: /)
    const n = await t.pool.query(`select count(*)::int as n from ingest_batches where batch_key = 'retry-1'`)
    assert.equal(n.rows[0].n, 0)
    const good = await post({ batch_key: 'retry-1', spans: [span(1, 'tr-retry')] }, { query: '?sync=true' })
    assert.equal(good.body.status, 'ok')
  })

  it('validation names the first bad field and lists all of them', async () => {
    const spans = [span(0), span(1), span(2), { ...span(3), start_time: 'yesterday' }, { ...span(4), type: 'weird' }]
    const res = await post({ batch_key: 'val-1', spans }, { query: '?sync=true' })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'validation_error')
    assert.match(res.body.message, /^spans\[3\]\.start_time: /)
    const paths = res.body.details.map((d: { path: string }) => d.path)
    assert.ok(paths.includes('spans[3].start_time'))
    assert.ok(paths.includes('spans[4].type'))
  })

  it('accepts a body above the 1 MiB API limit and answers 413 above 5 MiB before parsing', async () => {
    const big = 'x'.repeat(900)
    const spans = Array.from({ length: 1400 }, (_, i) => ({ ...span(i, 'tr-big'), input: big }))
    const ok = await post({ batch_key: 'big-ok', spans }, { query: '?sync=true' })
    assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 200))
    assert.equal(ok.body.span_count, 1400)
    const tooBig = '{"batch_key":"big","pad":"' + 'y'.repeat(5 * 1024 * 1024) + '"}'
    const res = await api(server.url, 'POST', '/v1/ingest?sync=true', { rawBody: tooBig, headers: { 'x-api-key': key } })
    assert.equal(res.status, 413)
    assert.equal(res.body.code, 'payload_too_large')
  })

  it('100 malformed bodies all get a 4xx naming the problem, and the server stays up', async () => {
    const bodies: string[] = [
      '',
      '{',
      'null',
      '[]',
      '"str"',
      '42',
      '{}',
      '{"batch_key":""}',
      '{"batch_key":7}',
      '{"batch_key":"k","spans":{}}',
      '{"batch_key":"k","spans":[{}]}',
      '{"batch_key":"k","spans":[null]}',
      '{"batch_key":"k","traces":[{"trace_id":""}]}',
      '{"batch_key":"k","events":[{"trace_id":"t","span_id":"s","event_type":"span_started"}]}',
      '{"batch_key":"k","events":[{"trace_id":"t","span_id":"s","sequence":99999999999}]}',
      '{"batch_key":"k","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-02-30T00:00:00Z"}]}',
      '{"batch_key":"k","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-01-01T00:00:00+20:00"}]}',
      '{"batch_key":"k","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-01-01T00:00:00Z","total_cost":-1}]}',
      '{"batch_key":"k","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-01-01T00:00:00Z","total_cost":"1e5"}]}',
      '{"batch_key":"k","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-01-01T00:00:00Z","prompt_tokens":1.5}]}',
      '{"batch_key":"k","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-01-01T00:00:00Z","total_tokens":5}]}',
      '{"batch_key":"k","traces":[{"trace_id":"t","metadata":[1]}]}',
      '{"batch_key":"k","traces":[{"trace_id":"t","input":"\\ud800"}]}',
      '{"batch_key":"k","traces":[{"trace_id":"t","metadata":{"a\\u0000":1}}]}',
      '{"batch_key":"k","traces":[{"trace_id":"t","input":' + '['.repeat(100000) + ']'.repeat(100000) + '}]}',
      '{"batch_key":"k","traces":[{"trace_id":"t","input":' + '{"a":'.repeat(500) + '1' + '}'.repeat(500) + '}]}',
    ]
    // generated variants: a wrong value in every span position
    const invalid: Array<[string, unknown]> = [
      ['trace_id', null], ['trace_id', 1], ['span_id', ''], ['span_id', {}], ['name', 5], ['name', null],
      ['start_time', 'soon'], ['start_time', 1700000000], ['status', 'done'], ['level', 'loud'], ['type', true],
      ['depth', 1.5], ['sequence', 'x'], ['prompt_tokens', -1], ['metadata', 'text'], ['end_time', '2026-13-01T00:00:00Z'],
    ]
    for (let i = 0; bodies.length < 100; i++) {
      const [field, value] = invalid[i % invalid.length]!
      const s: Record<string, unknown> = { trace_id: 't', span_id: `s${i}`, name: 'n', start_time: T0 }
      s[field] = value
      bodies.push(JSON.stringify({ batch_key: `gen-${i}`, spans: [s] }))
    }
    const results = await Promise.all(
      bodies.map((b) => api(server.url, 'POST', '/v1/ingest?sync=true', { rawBody: b, headers: { 'x-api-key': key } })),
    )
    results.forEach((r, i) => {
      assert.ok(r.status >= 400 && r.status < 500, `body ${i} (${bodies[i]!.slice(0, 80)}) got ${r.status}: ${JSON.stringify(r.body)}`)
      assert.equal(typeof r.body.message, 'string', `body ${i} has a message`)
      assert.ok(r.body.message.length > 5)
    })
    const health = await api(server.url, 'GET', '/api/health')
    assert.equal(health.status, 200)
  })

  it('batch status is scoped to the project and 404s otherwise', async () => {
    const res = await post({ batch_key: 'scope-1', spans: [span(1, 'tr-scope')] }, { query: '?sync=true' })
    const other = await api(server.url, 'GET', `/v1/ingest/batches/${res.body.batch_id}`, { headers: { 'x-api-key': otherKey } })
    assert.equal(other.status, 404)
    assert.equal(other.body.code, 'batch_not_found')
    const malformed = await api(server.url, 'GET', `/v1/ingest/batches/not-a-uuid`, { headers: { 'x-api-key': key } })
    assert.equal(malformed.status, 404)
    assert.ok((await count('ingest_batches')) > 0)
  })

  it('accepts a gzip-encoded body', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ batch_key: 'gz-1', spans: [span(1, 'tr-gz')] })))
    const res = await fetch(`${server.url}/v1/ingest?sync=true`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    })
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { span_count: number }).span_count, 1)
  })

  it('accepts explicit nulls for optional fields, as SDKs that serialise unset fields send them', async () => {
    const res = await post(
      {
        batch_key: 'nulls-1',
        sessions: null,
        traces: [{ trace_id: 'tr-null', session_id: null, name: 'with nulls', user_id: null, tags: null, environment: null, release: null,
          metadata: null, input: null, output: null, status: null, start_time: null, end_time: null }],
        spans: [{ trace_id: 'tr-null', span_id: 's', parent_span_id: null, name: 'n', type: null, status: null, level: null, start_time: T0,
          end_time: null, input: null, output: null, model: null, metadata: null, total_cost: null, sequence: null }],
        events: [{ trace_id: 'tr-null', span_id: 's', event_type: null, level: null, event_ts: null, payload: null, message: null }],
      },
      { query: '?sync=true' },
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.accepted_count, 3)
    const { rows } = await t.pool.query(
      `select t.name, t.status, s.type, e.event_type, e.level from traces t join spans s on s.trace_id = t.id
       join span_events e on e.trace_id = t.id where t.trace_id = 'tr-null'`,
    )
    assert.deepEqual(rows[0], { name: 'with nulls', status: 'running', type: 'default', event_type: 'log', level: 'info' })
  })
})
