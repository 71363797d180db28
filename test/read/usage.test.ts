import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ingestSync } from '../../src/ingest/index.js'
import { rollupTrace } from '../../src/ingest/rollup.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// GET /api/stats/usage and the metadata filter of GET /api/traces, over HTTP on a real
// Postgres, with traces ingested through the sync ingest path at known times.

const ADMIN = 'admin-token-for-usage-tests-0123'
const DAY0 = Date.parse('2026-03-02T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()
const H = 3_600_000

describe('usage over time and metadata filters over HTTP', () => {
  let t: TestDatabase
  let server: TestServer
  let keyA: string
  let keyB: string
  let projectA: string

  const get = (path: string, key = keyA) => api(server.url, 'GET', path, { headers: { 'x-api-key': key } })

  /** One trace with one LLM span; totals come from the span through the rollup. */
  async function trace(projectId: string, id: string, startMs: number, o: { status?: 'completed' | 'failed'; cost?: string; tin?: number; tout?: number; metadata?: Record<string, unknown> } = {}) {
    await ingestSync(t.db, projectId, {
      batch_key: `usage-${id}`,
      traces: [{ trace_id: id, name: id, start_time: iso(startMs), end_time: iso(startMs + 1000), status: o.status ?? 'completed', metadata: o.metadata }],
      spans: [{ trace_id: id, span_id: `${id}-llm`, name: 'call', type: 'llm', start_time: iso(startMs), end_time: iso(startMs + 500), status: o.status ?? 'completed', prompt_tokens: o.tin ?? 0, completion_tokens: o.tout ?? 0, total_cost: o.cost ?? '0' }],
    })
    const row = await t.db.selectFrom('traces').select('id').where('project_id', '=', projectId).where('trace_id', '=', id).executeTakeFirstOrThrow()
    await rollupTrace(t.db, row.id)
    return row.id
  }

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN, pool: t.pool })
    const a = await createProject(t.db, 'usage-a')
    const b = await createProject(t.db, 'usage-b')
    ;[keyA, projectA, keyB] = [a.api_key, a.id, b.api_key]
    // Day 0: two traces in hour 1 (one failed), one in hour 5. Day 1: none. Day 2: one.
    await trace(projectA, 'u-1', DAY0 + 1 * H + 60_000, { cost: '0.0100000001', tin: 100, tout: 10, metadata: { team: 'search', tier: 3, beta: true } })
    await trace(projectA, 'u-2', DAY0 + 1 * H + 120_000, { status: 'failed', cost: '0.02', tin: 200, tout: 20, metadata: { team: 'search', tier: '3' } })
    await trace(projectA, 'u-3', DAY0 + 5 * H, { cost: '0.3', tin: 1, tout: 2, metadata: { team: 'billing', note: 'a:b' } })
    await trace(projectA, 'u-4', DAY0 + 48 * H + 30 * 60_000, { cost: '1', tin: 5, tout: 5, metadata: { team: 'search', nested: { x: 1 } } })
    // Another project at the same times: never counted for project A.
    await trace(b.id, 'other', DAY0 + 1 * H, { cost: '9', tin: 999, tout: 999, metadata: { team: 'search' } })
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('sums traces, failures, tokens and exact cost per day, filling empty days', async () => {
    const res = await get(`/api/stats/usage?bucket=day&from=${iso(DAY0 + 7 * H)}&to=${iso(DAY0 + 72 * H)}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.bucket, 'day')
    assert.equal(res.body.from, iso(DAY0), 'from is rounded down to its bucket')
    assert.equal(res.body.to, iso(DAY0 + 72 * H))
    assert.deepEqual(res.body.buckets, [
      { start: iso(DAY0), traces: 3, errors: 1, tokens_in: 301, tokens_out: 32, cost_usd_decimal: '0.3300000001' },
      { start: iso(DAY0 + 24 * H), traces: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost_usd_decimal: '0' },
      { start: iso(DAY0 + 48 * H), traces: 1, errors: 0, tokens_in: 5, tokens_out: 5, cost_usd_decimal: '1' },
    ])
    assert.deepEqual(res.body.totals, { traces: 4, errors: 1, tokens_in: 306, tokens_out: 37, cost_usd_decimal: '1.3300000001' })
  })

  it('buckets by hour, to is exclusive, and another project sees only its own traces', async () => {
    const res = await get(`/api/stats/usage?bucket=hour&from=${iso(DAY0)}&to=${iso(DAY0 + 5 * H)}`)
    assert.equal(res.status, 200)
    assert.equal(res.body.buckets.length, 5)
    assert.deepEqual(res.body.buckets.map((b: { traces: number }) => b.traces), [0, 2, 0, 0, 0])
    assert.equal(res.body.buckets[1].errors, 1)
    assert.equal(res.body.totals.traces, 2, 'the trace at exactly `to` is left out')
    const other = await get(`/api/stats/usage?bucket=hour&from=${iso(DAY0)}&to=${iso(DAY0 + 5 * H)}`, keyB)
    assert.deepEqual(other.body.totals, { traces: 1, errors: 0, tokens_in: 999, tokens_out: 999, cost_usd_decimal: '9' })
    const asAdmin = await api(server.url, 'GET', `/api/stats/usage?project_id=${projectA}&bucket=hour&from=${iso(DAY0)}&to=${iso(DAY0 + 5 * H)}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(asAdmin.body.totals.traces, 2)
  })

  it('defaults to the last 7 days by day and the last 48 hours by hour, ending with the current bucket', async () => {
    const day = await get('/api/stats/usage')
    assert.equal(day.status, 200)
    assert.equal(day.body.bucket, 'day')
    assert.equal(day.body.buckets.length, 7)
    const now = Date.now()
    const last = Date.parse(day.body.buckets[6].start)
    assert.ok(last <= now && now < last + 24 * H, 'the last bucket holds now')
    const hour = await get('/api/stats/usage?bucket=hour')
    assert.equal(hour.body.buckets.length, 48)
    assert.equal(Date.parse(hour.body.to) - Date.parse(hour.body.from), 48 * H)
  })

  it('answers bad input with 400 and one readable message', async () => {
    const cases: Array<[string, RegExp]> = [
      ['bucket=week', /bucket must be hour or day/],
      ['from=yesterday', /from must be an RFC 3339 timestamp/],
      ['to=2026-13-45T00:00:00Z', /to must be an RFC 3339 timestamp/],
      [`from=${iso(DAY0 + 24 * H)}&to=${iso(DAY0)}`, /from must be before to/],
      [`bucket=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, /at most 1000 are allowed/],
      ['bucket=hour&bucket=day', /bucket must be hour or day/],
      ['project_id=not-this-project', /project_id/],
    ]
    for (const [qs, message] of cases) {
      const res = await get(`/api/stats/usage?${qs}`)
      assert.ok(res.status === 400 || res.status === 403, `${qs}: ${res.status}`)
      assert.match(res.body.message, message, qs)
      assert.equal(typeof res.body.code, 'string')
    }
    const noKey = await api(server.url, 'GET', '/api/stats/usage')
    assert.equal(noKey.status, 401)
  })

  it('is described in the OpenAPI document', async () => {
    const doc = await api(server.url, 'GET', '/api/openapi.json')
    const op = doc.body.paths['/api/stats/usage'].get
    assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), ['bucket', 'from', 'project_id', 'to'])
    assert.equal(op.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/UsageResponse')
    const metadata = doc.body.paths['/api/traces'].get.parameters.find((p: { name: string }) => p.name === 'metadata')
    assert.deepEqual(metadata.schema.anyOf, [{ type: 'string' }, { type: 'array', items: { type: 'string' } }])
  })

  const names = async (qs: string) => {
    const res = await get(`/api/traces?${qs}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.traces.map((x: { trace_id: string }) => x.trace_id).sort()
  }

  it('filters traces by metadata key:value, repeatable with AND, project-scoped', async () => {
    assert.deepEqual(await names('metadata=team:search'), ['u-1', 'u-2', 'u-4'])
    assert.deepEqual(await names('metadata=team:search&metadata=tier:3'), ['u-1', 'u-2'], 'tier:3 matches the number 3 and the string "3"')
    assert.deepEqual(await names('metadata=beta:true'), ['u-1'])
    assert.deepEqual(await names('metadata=note:a:b'), ['u-3'], 'the key ends at the first colon')
    assert.deepEqual(await names('metadata=team:'), [], 'an empty value matches only an empty string')
    assert.deepEqual(await names('metadata=nested:%7B%22x%22%3A1%7D'), [], 'objects are not matched by their text')
    assert.deepEqual(await names(`metadata=${encodeURIComponent("team:search' or 1=1 --")}`), [])
    assert.deepEqual(await names('metadata=team:search&status=failed'), ['u-2'])
    for (const literal of ['1e999999', '1e-999999', '9'.repeat(1000), '-0', '1E4', '0.5e+3']) assert.deepEqual(await names(`metadata=tier:${literal}`), [], literal)
    const total = await get('/api/traces?metadata=team:search')
    assert.equal(total.body.total, 3)
  })

  it('rejects a malformed metadata filter with 400', async () => {
    const cases: Array<[string, RegExp]> = [
      ['metadata=team', /metadata must be key:value/],
      ['metadata=:search', /non-empty key/],
      [`metadata=k:${'x'.repeat(1100)}`, /at most 1024 characters/],
      ['metadata=k:%00', /NUL/],
      [Array.from({ length: 21 }, (_, i) => `metadata=k${i}:v`).join('&'), /at most 20 times/],
    ]
    for (const [qs, message] of cases) {
      const res = await get(`/api/traces?${qs}`)
      assert.equal(res.status, 400, qs)
      assert.match(res.body.message, message, qs)
    }
  })
})
