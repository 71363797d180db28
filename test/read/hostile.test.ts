import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { at, Fixtures } from '../helpers/observability-fixtures.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// Malformed query strings on every read route: always a 4xx or a 200, never a 5xx, and the
// server keeps answering.

const NASTY = ['', '%00', 'a%00b', '%', '%25', '_', '%5C', '-1', '0', '1e999', 'NaN', '9'.repeat(40), '%F0%9F%98%80', '%ED%A0%80', 'x'.repeat(2000), 'true', 'null', '[]', '%7B%7D', "'%20or%201=1--", '2026-02-30T00:00:00Z', '00000000-0000-0000-0000-000000000000']
const PARAMS = ['limit', 'offset', 'cursor', 'after', 'q', 'status', 'session_id', 'user_id', 'start_time_from', 'start_time_to', 'has_errors', 'min_duration_ms', 'sort_by', 'sort_dir', 'include_payloads', 'baseline_trace_id', 'candidate_trace_id', 'project_id']

describe('hostile query strings on the read routes', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  const routes: string[] = []

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
    const p = await createProject(t.db, 'hostile')
    key = p.api_key
    const f = new Fixtures(t.db, p.id)
    const s = await f.session('s')
    const tr = await f.trace({ trace_id: 'x', session: s, start: at(0), end: at(1) })
    await f.span(tr, { span_id: 'a', name: 'a', start: at(0), end: at(1) })
    routes.push('/api/traces', `/api/traces/${tr.id}`, `/api/traces/${tr.id}/spans`, `/api/traces/${tr.id}/events`, '/api/sessions', `/api/sessions/${s.id}`, `/api/sessions/${s.id}/narrative`, `/api/sessions/${s.id}/compare`)
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('never answers 5xx', async () => {
    let n = 0
    let seed = 7
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % k)
    for (let i = 0; i < 240; i++) {
      const route = routes[rand(routes.length)]!
      const pairs = Array.from({ length: 1 + rand(3) }, () => `${PARAMS[rand(PARAMS.length)]}=${NASTY[rand(NASTY.length)]}`)
      if (rand(4) === 0) pairs.push(pairs[0]!) // a repeated parameter becomes an array
      const res = await api(server.url, 'GET', `${route}?${pairs.join('&')}`, { headers: { 'x-api-key': key } })
      assert.ok(res.status < 500, `${route}?${pairs.join('&')} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`)
      if (res.status >= 400) {
        assert.equal(typeof res.body.code, 'string')
        assert.ok(res.body.message.length > 0 && res.body.message.length < 400, res.body.message)
      }
      n++
    }
    assert.equal(n, 240)
    assert.equal((await api(server.url, 'GET', '/api/traces', { headers: { 'x-api-key': key } })).status, 200)
  })
})
