import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TraceRow } from '../../src/db/schema.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { at, Fixtures } from '../helpers/observability-fixtures.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

const ADMIN = 'admin-token-for-read-tests-0123'

describe('trace read APIs over HTTP', () => {
  let t: TestDatabase
  let server: TestServer
  let keyA: string
  let keyB: string
  let projectA: string
  let projectB: string
  let fa: Fixtures
  let fb: Fixtures
  const traces: Record<string, TraceRow> = {}
  let sessionId: string

  const get = (path: string, key = keyA) => api(server.url, 'GET', path, { headers: { 'x-api-key': key } })
  const asAdmin = (path: string) => api(server.url, 'GET', path, { headers: { authorization: `Bearer ${ADMIN}` } })

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN, pool: t.pool })
    const a = await createProject(t.db, 'alpha')
    const b = await createProject(t.db, 'beta')
    ;[keyA, projectA, keyB, projectB] = [a.api_key, a.id, b.api_key, b.id]
    fa = new Fixtures(t.db, projectA)
    fb = new Fixtures(t.db, projectB)
    const s = await fa.session('sess-1', { user_id: 'u-1' })
    sessionId = s.id
    traces.plan = await fa.trace({ trace_id: 'tr-plan', name: 'plan trip', user_id: 'alice', session: s, tags: ['demo', 'travel'], environment: 'prod', start: at(0), end: at(10), total_cost: '0.012300000000', total_tokens_in: 120, total_tokens_out: 40 })
    traces.fail = await fa.trace({ trace_id: 'tr-fail', name: 'book hotel', user_id: 'bob', status: 'failed', start: at(100), end: at(400), error_count: 2 })
    traces.open = await fa.trace({ trace_id: 'tr-open', name: 'still going', user_id: 'alice', status: 'running', start: at(200) })
    traces.pct = await fa.trace({ trace_id: 'tr-100%', name: '100% done', start: at(300), end: at(301) })
    traces.under = await fa.trace({ trace_id: 'tr_under', name: 'a_b', start: at(310), end: at(311) })
    traces.other = await fb.trace({ trace_id: 'tr-b', name: 'plan trip too', start: at(50), end: at(60) })
    await fa.span(traces.plan, { span_id: 'root', name: 'agent', type: 'agent', start: at(0), end: at(10) })
    await fa.span(traces.plan, { span_id: 'llm-1', parent: 'root', name: 'call gpt', type: 'llm', start: at(1), end: at(3), prompt_tokens: 120, completion_tokens: 40, total_cost: '0.0123', model: 'gpt-4o' })
    await fa.span(traces.plan, { span_id: 'ret-1', parent: 'root', name: 'vector lookup', type: 'retrieval', start: at(4), end: at(5) })
    await fa.span(traces.fail, { span_id: 'tool-x', name: 'reserve_room', type: 'tool', status: 'failed', status_message: 'HTTP 503', start: at(100), end: at(101) })
    await fb.span(traces.other, { span_id: 'b-root', name: 'agent', start: at(50), end: at(60) })
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  const ids = (body: { traces: Array<{ id: string }> }) => body.traces.map((x) => x.id)

  it('lists only the key\'s own project, newest first, with total and wire fields', async () => {
    const res = await get('/api/traces')
    assert.equal(res.status, 200)
    assert.equal(res.body.total, 5)
    assert.deepEqual(ids(res.body), [traces.under, traces.pct, traces.open, traces.fail, traces.plan].map((x) => x!.id))
    const plan = res.body.traces.find((x: { id: string }) => x.id === traces.plan!.id)
    assert.equal(plan.status, 'COMPLETED')
    assert.equal(plan.session_id, sessionId)
    assert.equal(plan.session_external_id, 'sess-1')
    assert.equal(plan.total_cost_usd, 0.0123)
    assert.equal(plan.total_cost_usd_decimal, '0.0123')
    assert.equal(plan.total_tokens_in, 120)
    assert.equal(plan.started_at, at(0))
    assert.equal(plan.ended_at, at(10))
    assert.equal(res.body.traces.find((x: { id: string }) => x.id === traces.fail!.id).status, 'FAILED')
    assert.equal(res.body.traces.find((x: { id: string }) => x.id === traces.open!.id).status, 'RUNNING')
    const asc = await get('/api/traces?sort_by=started_at&sort_dir=asc')
    assert.deepEqual(ids(asc.body), [traces.plan, traces.fail, traces.open, traces.pct, traces.under].map((x) => x!.id))
  })

  it('applies each filter', async () => {
    const one = async (qs: string) => ids((await get(`/api/traces?${qs}`)).body).sort()
    const sorted = (...xs: Array<TraceRow | undefined>) => xs.map((x) => x!.id).sort()
    assert.deepEqual(await one('status=failed'), sorted(traces.fail))
    assert.deepEqual(await one('status=running'), sorted(traces.open))
    assert.deepEqual(await one(`session_id=${sessionId}`), sorted(traces.plan))
    assert.deepEqual(await one('user_id=alice'), sorted(traces.plan, traces.open))
    assert.deepEqual(await one(`start_time_from=${at(100)}&start_time_to=${at(300)}`), sorted(traces.fail, traces.open, traces.pct))
    assert.deepEqual(await one('has_errors=true'), sorted(traces.fail))
    assert.equal((await one('has_errors=false')).length, 4)
    // the open trace counts its duration up to now, so it passes a large minimum
    assert.deepEqual(await one('min_duration_ms=200000'), sorted(traces.fail, traces.open))
    assert.deepEqual(await one('tag=travel'), sorted(traces.plan))
    assert.deepEqual(await one('tag=demo,travel'), sorted(traces.plan))
    assert.deepEqual(await one('tag=demo,nope'), [])
    assert.deepEqual(await one('environment=prod'), sorted(traces.plan))
  })

  it('searches trace names, ids, users and span names and ids, with LIKE wildcards taken literally', async () => {
    const search = async (q: string) => ids((await get(`/api/traces?q=${encodeURIComponent(q)}`)).body).sort()
    const sorted = (...xs: Array<TraceRow | undefined>) => xs.map((x) => x!.id).sort()
    assert.deepEqual(await search('hotel'), sorted(traces.fail))
    assert.deepEqual(await search('tr-open'), sorted(traces.open))
    assert.deepEqual(await search('vector'), sorted(traces.plan), 'span name')
    assert.deepEqual(await search('tool-x'), sorted(traces.fail), 'span id')
    assert.deepEqual(await search('bob'), sorted(traces.fail))
    assert.deepEqual(await search(traces.pct!.id), sorted(traces.pct), 'internal id')
    assert.deepEqual(await search('%'), sorted(traces.pct), '% is literal')
    assert.deepEqual(await search('_'), sorted(traces.under, traces.fail), '_ is literal (reserve_room is a span of the failed trace)')
    assert.deepEqual(await search('plan trip too'), [], 'another project is never searched')
    const ranked = await get('/api/traces?q=tr-plan')
    assert.equal(ranked.body.traces[0].id, traces.plan!.id)
  })

  it('pages with limit/offset and with an opaque keyset cursor', async () => {
    const first = await get('/api/traces?limit=2')
    assert.equal(first.body.traces.length, 2)
    assert.equal(first.body.total, 5)
    const second = await get('/api/traces?limit=2&offset=2')
    assert.deepEqual([...ids(first.body), ...ids(second.body)].length, 4)
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const res = await get(`/api/traces?limit=2&sort_dir=asc${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(res.status, 200)
      seen.push(...ids(res.body))
      cursor = res.body.next_cursor
      pages++
    } while (cursor && pages < 10)
    assert.equal(pages, 3)
    assert.deepEqual(seen, [traces.plan, traces.fail, traces.open, traces.pct, traces.under].map((x) => x!.id))
    // limits are clamped like the reference
    assert.equal((await get('/api/traces?limit=0')).body.traces.length, 1)
    assert.equal((await get('/api/traces?offset=-5')).body.traces.length, 5)
  })

  it('answers malformed parameters with 400 naming the parameter', async () => {
    for (const [qs, param] of [
      ['limit=abc', 'limit'],
      ['offset=1.5', 'offset'],
      ['status=bogus', 'status'],
      ['session_id=not-a-uuid', 'session_id'],
      ['start_time_from=yesterday', 'start_time_from'],
      ['start_time_to=2026-13-01', 'start_time_to'],
      ['has_errors=maybe', 'has_errors'],
      ['min_duration_ms=-1', 'min_duration_ms'],
      ['sort_by=name', 'sort_by'],
      ['sort_dir=sideways', 'sort_dir'],
      ['cursor=%%%', 'cursor'],
      ['cursor=eyJrIjoibm9wZSJ9', 'cursor'],
      ['project_id=nope', 'project_id'],
      ['q=a%00b', 'q'],
      ['user_id=%00', 'user_id'],
    ]) {
      const res = await get(`/api/traces?${qs}`)
      assert.equal(res.status, 400, qs)
      assert.match(res.body.message, new RegExp(param!), `${qs}: ${res.body.message}`)
    }
    const combined = await get(`/api/traces?q=plan&cursor=${(await get('/api/traces?limit=1')).body.next_cursor}`)
    assert.equal(combined.status, 400)
    assert.equal(combined.body.code, 'invalid_cursor')
  })

  it('returns the detail, spans with kind buckets and raw type, and 404 across projects', async () => {
    const detail = await get(`/api/traces/${traces.plan!.id}`)
    assert.equal(detail.status, 200)
    assert.equal(detail.body.trace_id, 'tr-plan')
    assert.equal(detail.body.user_id, 'alice')
    assert.deepEqual(detail.body.tags, ['demo', 'travel'])
    assert.equal(detail.body.environment, 'prod')
    const spans = await get(`/api/traces/${traces.plan!.id}/spans`)
    assert.equal(spans.status, 200)
    assert.deepEqual(spans.body.spans.map((s: { span_id: string }) => s.span_id), ['root', 'llm-1', 'ret-1'])
    const [root, llm, ret] = spans.body.spans
    assert.equal(root.kind, 'AGENT')
    assert.equal(llm.kind, 'LLM')
    assert.equal(llm.cost_usd, 0.0123)
    assert.equal(llm.cost_usd_decimal, '0.0123')
    assert.equal(llm.tokens_in, 120)
    assert.equal(llm.latency_ms, 2000)
    assert.equal(llm.parent_span_id, 'root')
    assert.equal(ret.kind, 'CUSTOM')
    assert.equal(ret.type, 'retrieval', 'defect 13: the raw type is kept beside the bucket')
    assert.equal(ret.status, 'COMPLETED')
    const light = await get(`/api/traces/${traces.plan!.id}/spans?include_payloads=false`)
    assert.equal(light.status, 200)
    assert.deepEqual(light.body.spans.map((s: { span_id: string }) => s.span_id), ['root', 'llm-1', 'ret-1'])
    assert.ok(light.body.spans.every((s: object) => !('input' in s) && !('output' in s) && !('metadata' in s)))
    assert.equal(light.body.spans[1].tokens_in, 120)
    for (const tr of [traces.plan!, traces.fail!]) {
      const full = (await get(`/api/traces/${tr.id}/spans`)).body.spans.map(({ input: _i, output: _o, metadata: _m, ...rest }: Record<string, unknown>) => rest)
      const summaries = (await get(`/api/traces/${tr.id}/spans?include_payloads=false`)).body.spans
      assert.deepEqual(summaries, full, 'the Postgres-built summaries match the mapper field for field')
    }
    const bad = await get(`/api/traces/${traces.plan!.id}/spans?include_payloads=maybe`)
    assert.equal(bad.status, 400)
    assert.match(bad.body.message, /include_payloads/)
    const failed = await get(`/api/traces/${traces.fail!.id}/spans`)
    assert.equal(failed.body.spans[0].status, 'FAILED')
    assert.equal(failed.body.spans[0].error_message, 'HTTP 503')

    for (const suffix of ['', '/spans', '/events']) {
      const other = await get(`/api/traces/${traces.other!.id}${suffix}`)
      assert.equal(other.status, 404, suffix)
      assert.equal(other.body.code, 'trace_not_found')
      assert.equal((await get(`/api/traces/not-a-uuid${suffix}`)).status, 404)
    }
    assert.equal((await get(`/api/traces/${traces.other!.id}/stream`)).status, 404)
  })

  it('lets an operator read across projects or select one, and refuses a key naming another project', async () => {
    const all = await asAdmin('/api/traces')
    assert.equal(all.body.total, 6)
    const onlyB = await asAdmin(`/api/traces?project_id=${projectB}`)
    assert.deepEqual(ids(onlyB.body), [traces.other!.id])
    assert.equal((await asAdmin(`/api/traces/${traces.other!.id}`)).status, 200)
    assert.equal((await asAdmin(`/api/traces/${traces.other!.id}?project_id=${projectA}`)).status, 404)
    const mismatch = await get(`/api/traces?project_id=${projectB}`)
    assert.equal(mismatch.status, 403)
    assert.equal(mismatch.body.code, 'project_scope_mismatch')
    assert.equal((await get('/api/traces', keyB)).body.total, 1)
  })
})
