import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// Deterministic mutation fuzzing of /v1/ingest: every mutated body is answered with 2xx or 4xx,
// never a 5xx, and the server keeps serving.

function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HOSTILE: unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', ' ', 'x'.repeat(70_000), '\u0000', '\ud800', '😀'.repeat(1000),
  '2026-02-30T00:00:00Z', '2026-01-01T00:00:00+99:00', '9999-12-31T23:59:59.999999Z', '0001-01-01T00:00:00Z', '1e400', '-0',
  '99999999999999999999', [], [null], {}, { __proto__: { a: 1 } }, { _truncated: true }, '%_\\', "'; drop table spans; --",
  Array.from({ length: 300 }, (_, i) => i), { a: { b: { c: { d: 'deep' } } } },
]

function baseBody(n: number) {
  return {
    batch_key: `fuzz-${n}`,
    sessions: [{ session_id: 'fz-s', name: 'n', user_id: 'u', metadata: { k: 1 } }],
    traces: [{ trace_id: 'fz-t', session_id: 'fz-s', name: 'trace', tags: ['a'], metadata: { m: 1 }, input: { q: 'x' }, status: 'running', start_time: '2026-01-01T00:00:00Z' }],
    spans: [{ trace_id: 'fz-t', span_id: 'fz-1', parent_span_id: null, name: 'span', type: 'llm', status: 'completed', level: 'default',
      start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-01T00:00:01Z', model: 'gpt-4o', prompt_tokens: 10, completion_tokens: 5,
      total_cost: '0.01', metadata: { a: 1 }, sequence: 1, depth: 0, input: 'in', output: { o: 1 } }],
    events: [{ trace_id: 'fz-t', span_id: 'fz-1', event_type: 'effect', level: 'info', event_ts: '2026-01-01T00:00:00.500Z', sequence: 2,
      message: 'm', payload: { effect_kind: 'tool_call' }, idempotency_key: `fz-k-${n}` }],
  } as Record<string, any>
}

describe('ingest fuzzing', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
    key = (await createProject(t.db, 'fuzz')).api_key
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('answers 300 mutated bodies with 2xx or 4xx, never 5xx', async () => {
    const rand = prng(20261127)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
    const failures: string[] = []
    for (let round = 0; round < 30; round++) {
      const bodies = Array.from({ length: 10 }, (_, i) => {
        const n = round * 10 + i
        const body = baseBody(n)
        const mutations = 1 + Math.floor(rand() * 3)
        for (let m = 0; m < mutations; m++) {
          const section = pick(['sessions', 'traces', 'spans', 'events', 'top'] as const)
          if (section === 'top') {
            body[pick(['batch_key', 'traces', 'spans', 'events', 'sessions'])] = pick(HOSTILE)
            continue
          }
          const items = body[section]
          if (!Array.isArray(items) || items.length === 0) continue
          const item = items[0] as Record<string, unknown> | null
          if (!item || typeof item !== 'object' || Array.isArray(item)) continue
          item[pick(Object.keys(item))] = pick(HOSTILE)
        }
        return JSON.stringify(body)
      })
      const results = await Promise.all(
        bodies.map((b) => api(server.url, 'POST', '/v1/ingest?sync=true', { rawBody: b, headers: { 'x-api-key': key } })),
      )
      results.forEach((r, i) => {
        if (r.status >= 500 || typeof r.body?.status !== 'string' && typeof r.body?.message !== 'string') {
          failures.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)} for ${bodies[i]!.slice(0, 300)}`)
        }
      })
    }
    assert.deepEqual(failures, [])
    assert.equal((await api(server.url, 'GET', '/api/health')).status, 200)
  })
})
