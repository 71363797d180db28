import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_INGEST_SETTINGS } from '../../src/config.js'
import { ingestSync } from '../../src/ingest/index.js'
import { byteLength, truncateJson } from '../../src/ingest/truncate.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// Truncation keeps the full original, the payload route serves it (scoped), and derived
// effect/wait ids are stable across two runs of the same workflow.

const T0 = '2026-05-01T00:00:00.000Z'
const LIMIT = 2048

describe('truncation (unit)', () => {
  it('is deterministic whatever the key order, stays within the limit and never splits a code point', () => {
    const a: Record<string, unknown> = {}
    const b: Record<string, unknown> = {}
    const keys = Array.from({ length: 200 }, (_, i) => `key-${String(i).padStart(3, '0')}`)
    for (const k of keys) a[k] = 'value 😀 ' + k
    for (const k of [...keys].reverse()) b[k] = 'value 😀 ' + k
    const ta = truncateJson(a, 1000)
    const tb = truncateJson(b, 1000)
    assert.equal(ta.truncated, true)
    assert.equal(JSON.stringify(ta.value), JSON.stringify(tb.value))
    assert.ok(byteLength(JSON.stringify(ta.value)) <= 1000)
    assert.equal((ta.value as Record<string, unknown>)._truncated, true)
    assert.equal(ta.originalJson, JSON.stringify(a))

    const emoji = '😀'.repeat(5000)
    const ts = truncateJson(emoji, 999)
    const cut = ts.value as string
    assert.ok(cut.endsWith('...[truncated]'))
    assert.ok(byteLength(JSON.stringify(cut)) <= 999)
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(cut), 'no lone high surrogate')
    assert.ok(Buffer.from(cut, 'utf8').toString('utf8') === cut)

    const arr = truncateJson(Array.from({ length: 1000 }, (_, i) => i), 200)
    assert.ok(Array.isArray(arr.value))
    assert.deepEqual((arr.value as unknown[]).at(-1), { _truncated: true })
    assert.equal((arr.value as unknown[])[0], 0)

    const small = truncateJson({ x: 1 }, 1000)
    assert.equal(small.truncated, false)
    assert.equal(small.originalJson, undefined)
  })
})

describe('payload originals and derived ids', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let otherKey: string
  let otherProjectId: string
  const ADMIN = 'admin-token-for-payload-tests'

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN, ingest: { ...DEFAULT_INGEST_SETTINGS, maxPayloadBytes: LIMIT } })
    key = (await createProject(t.db, 'payloads')).api_key
    const other = await createProject(t.db, 'other')
    otherKey = other.api_key
    otherProjectId = other.id
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('keeps the full original of truncated payloads and serves it; other projects get 404', async () => {
    const bigInput = { prompt: 'é'.repeat(3000), messages: Array.from({ length: 50 }, (_, i) => ({ role: 'user', content: `m${i}` })) }
    const bigPayload = { effect_kind: 'tool_call', effect_id: 'eff-keep', blob: 'z'.repeat(5000) }
    const res = await api(server.url, 'POST', '/v1/ingest?sync=true', {
      headers: { 'x-api-key': key },
      body: {
        batch_key: 'trunc-1',
        traces: [{ trace_id: 'tr-big', input: bigInput }],
        spans: [{ trace_id: 'tr-big', span_id: 's', name: 's', start_time: T0, input: bigInput, output: 'short' }],
        events: [{ trace_id: 'tr-big', span_id: 's', event_type: 'effect', payload: bigPayload }],
      },
    })
    assert.equal(res.status, 200)
    const { rows: spans } = await t.pool.query(
      `select s.id, s.trace_id, s.input, s.input_truncated, s.input_original_size_bytes, s.input_truncation_reason, s.output_truncated
       from spans s where s.span_id = 's' and s.project_id = (select project_id from traces where trace_id = 'tr-big')`,
    )
    const span = spans[0]
    assert.equal(span.input_truncated, true)
    assert.equal(span.input_truncation_reason, 'size_limit')
    assert.equal(span.input_original_size_bytes, Buffer.byteLength(JSON.stringify(bigInput)))
    assert.ok(Buffer.byteLength(JSON.stringify(span.input)) <= LIMIT + 64)
    assert.equal(span.output_truncated, false)

    const path = `/api/traces/${span.trace_id}/payloads/span/${span.id}/input`
    const full = await api(server.url, 'GET', path, { headers: { 'x-api-key': key } })
    assert.equal(full.status, 200)
    assert.deepEqual(full.body, bigInput)
    assert.equal(full.headers.get('x-continua-truncated-in-storage'), 'true')
    const notTruncated = await api(server.url, 'GET', `/api/traces/${span.trace_id}/payloads/span/${span.id}/output`, { headers: { 'x-api-key': key } })
    assert.equal(notTruncated.body, 'short')

    const traceInput = await api(server.url, 'GET', `/api/traces/${span.trace_id}/payloads/trace/${span.trace_id}/input`, { headers: { 'x-api-key': key } })
    assert.deepEqual(traceInput.body, bigInput)

    const { rows: events } = await t.pool.query(`select id, payload, truncated from span_events where trace_id = $1`, [span.trace_id])
    assert.equal(events[0].truncated, true)
    assert.equal(events[0].payload.effect_id, 'eff-keep', 'the reserved id survives truncation')
    const ev = await api(server.url, 'GET', `/api/traces/${span.trace_id}/payloads/event/${events[0].id}/payload`, { headers: { 'x-api-key': key } })
    assert.deepEqual(ev.body, bigPayload)

    // isolation: another project's key, or an operator selecting another project, sees nothing
    const foreign = await api(server.url, 'GET', path, { headers: { 'x-api-key': otherKey } })
    assert.equal(foreign.status, 404)
    assert.equal(foreign.body.code, 'payload_not_found')
    const opOther = await api(server.url, 'GET', `${path}?project_id=${otherProjectId}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(opOther.status, 404)
    const opAll = await api(server.url, 'GET', path, { headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(opAll.status, 200)
    const badField = await api(server.url, 'GET', `/api/traces/${span.trace_id}/payloads/event/${events[0].id}/input`, { headers: { 'x-api-key': key } })
    assert.equal(badField.status, 400)
    const badId = await api(server.url, 'GET', `/api/traces/nope/payloads/span/nope/input`, { headers: { 'x-api-key': key } })
    assert.equal(badId.status, 404)
  })

  it('derives effect and wait ids that match across two runs and never include the trace id', async () => {
    const { id: projectId } = await createProject(t.db, 'semantic')
    const run = (n: number) => ({
      batch_key: `run-${n}`,
      traces: [{ trace_id: `trace-run-${n}`, name: 'workflow' }],
      spans: [
        { trace_id: `trace-run-${n}`, span_id: `root-${n}`, name: 'agent', start_time: T0 },
        { trace_id: `trace-run-${n}`, span_id: `tool-${n}`, parent_span_id: `root-${n}`, name: 'search', start_time: T0 },
      ],
      events: [
        { trace_id: `trace-run-${n}`, span_id: `tool-${n}`, event_type: 'effect' as const, payload: { effect_kind: 'tool_call', tool: 'search' } },
        { trace_id: `trace-run-${n}`, span_id: `tool-${n}`, event_type: 'effect' as const, payload: { effect_kind: 'tool_call', tool: 'search' } },
        { trace_id: `trace-run-${n}`, span_id: `tool-${n}`, event_type: 'effect' as const, payload: { effect_kind: 'tool_call', tool: 'fetch' } },
        { trace_id: `trace-run-${n}`, span_id: `root-${n}`, event_type: 'wait' as const, payload: { wait_kind: 'human_approval', phase: 'entered' } },
        { trace_id: `trace-run-${n}`, span_id: `root-${n}`, event_type: 'wait' as const, payload: { wait_kind: 'human_approval', phase: 'resolved', resolution: 'approved' } },
        { trace_id: `trace-run-${n}`, span_id: `root-${n}`, event_type: 'effect' as const, payload: { effect_kind: 'custom', effect_id: 'client-given' } },
      ],
    })
    await ingestSync(t.db, projectId, run(1))
    await ingestSync(t.db, projectId, run(2))
    const ids = async (n: number) =>
      (
        await t.pool.query(
          `select coalesce(e.payload->>'effect_id', e.payload->>'wait_id') as id from span_events e join traces t on t.id = e.trace_id
           where t.trace_id = $1 order by e.change_seq`,
          [`trace-run-${n}`],
        )
      ).rows.map((r) => r.id as string)
    const first = await ids(1)
    const second = await ids(2)
    assert.deepEqual(first, second, 'the same workflow derives the same ids')
    assert.match(first[0]!, /^effect_[0-9a-f]{32}$/)
    assert.notEqual(first[0], first[1], 'repeated identical effects get distinct ids by occurrence')
    assert.notEqual(first[0], first[2], 'a different payload gives a different id')
    assert.equal(first[3], first[4], 'the entered and resolved events of a wait share its id')
    assert.match(first[3]!, /^wait_/)
    assert.equal(first[5], 'client-given')
  })
})
