import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ingestSync } from '../src/ingest/index.js'
import { createProject } from '../src/projects.js'
import { createTestDatabase, type TestDatabase } from './helpers/db.js'
import { api, startTestServer, type TestServer } from './helpers/server.js'

const ADMIN = 'admin-token-for-tests-0123456789'

describe('projects and API keys over HTTP', () => {
  let t: TestDatabase
  let server: TestServer // admin token configured: no local mode
  let local: TestServer // loopback, no admin token: local operator mode
  let keyA: string
  let keyB: string
  let idA: string
  let idB: string

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN })
    local = await startTestServer(t.db)
    const a = await createProject(t.db, 'alpha')
    const b = await createProject(t.db, 'beta')
    ;[keyA, idA, keyB, idB] = [a.api_key, a.id, b.api_key, b.id]
  })
  after(async () => {
    await server.close()
    await local.close()
    await t.drop()
  })

  const asKey = (key: string) => ({ 'x-api-key': key })
  const asBearer = (token: string) => ({ authorization: `Bearer ${token}` })

  it('refuses requests without credentials when local mode is off', async () => {
    const res = await api(server.url, 'GET', '/api/projects')
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'missing_credentials')
    assert.equal(typeof res.body.message, 'string')
  })

  it('refuses unknown keys with 401 on every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/projects'],
      ['POST', '/api/projects'],
      ['PATCH', `/api/projects/${idA}`],
      ['DELETE', `/api/projects/${idA}`],
      ['POST', `/api/projects/${idA}/rotate`],
      ['GET', `/api/projects/${idA}/keys`],
    ] as const) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { name: 'x' }
      const res = await api(server.url, method, path, { headers: asKey('ck_nope'), body })
      assert.equal(res.status, 401, `${method} ${path}`)
      assert.equal(res.body.code, 'invalid_api_key')
    }
  })

  it('accepts a key in X-API-Key or as a bearer, and lists only its own project', async () => {
    for (const headers of [asKey(keyA), asBearer(keyA)]) {
      const res = await api(server.url, 'GET', '/api/projects', { headers })
      assert.equal(res.status, 200)
      assert.equal(res.body.authenticated_project_id, idA)
      assert.deepEqual(res.body.projects.map((p: { id: string }) => p.id), [idA])
    }
  })

  it('keeps key A away from project B on every route (404), and off operator actions (403)', async () => {
    const h = { headers: asKey(keyA) }
    assert.equal((await api(server.url, 'PATCH', `/api/projects/${idB}`, { ...h, body: { name: 'pwned' } })).status, 404)
    assert.equal((await api(server.url, 'DELETE', `/api/projects/${idB}`, h)).status, 404)
    assert.equal((await api(server.url, 'POST', `/api/projects/${idB}/rotate`, h)).status, 404)
    assert.equal((await api(server.url, 'GET', `/api/projects/${idB}/keys`, h)).status, 404)
    assert.equal((await api(server.url, 'POST', `/api/projects/${idB}/keys`, { ...h, body: { name: 'x' } })).status, 404)
    assert.equal((await api(server.url, 'DELETE', `/api/projects/${idB}/keys/${idB}`, h)).status, 404)
    const create = await api(server.url, 'POST', '/api/projects', { ...h, body: { name: 'new' } })
    assert.equal(create.status, 403)
    assert.equal(create.body.code, 'operator_required')
    const delOwn = await api(server.url, 'DELETE', `/api/projects/${idA}`, h)
    assert.equal(delOwn.status, 403)
    // B is untouched and still works
    const b = await api(server.url, 'GET', '/api/projects', { headers: asKey(keyB) })
    assert.equal(b.body.projects[0].name, 'beta')
  })

  it('lets a key rename its own project and manage its own keys', async () => {
    const renamed = await api(server.url, 'PATCH', `/api/projects/${idA}`, { headers: asKey(keyA), body: { name: '  alpha-2  ' } })
    assert.equal(renamed.status, 200)
    assert.equal(renamed.body.name, 'alpha-2')
    const created = await api(server.url, 'POST', `/api/projects/${idA}/keys`, { headers: asKey(keyA), body: { name: 'ci' } })
    assert.equal(created.status, 201)
    assert.match(created.body.api_key, /^ck_[a-z2-7]{52}$/)
    assert.equal(created.body.prefix, created.body.api_key.slice(0, 11))
    const extra = created.body.api_key as string
    assert.equal((await api(server.url, 'GET', '/api/projects', { headers: asKey(extra) })).status, 200)

    const list = await api(server.url, 'GET', `/api/projects/${idA}/keys`, { headers: asKey(keyA) })
    assert.equal(list.status, 200)
    assert.equal(list.body.keys.length, 2)
    assert.ok(list.body.keys.every((k: Record<string, unknown>) => !('api_key' in k) && !('key_hash' in k)))
    assert.ok(list.body.keys.some((k: { last_used_at: string | null }) => k.last_used_at !== null), 'last_used_at is recorded')

    const revoke = await api(server.url, 'DELETE', `/api/projects/${idA}/keys/${created.body.id}`, { headers: asKey(keyA) })
    assert.equal(revoke.status, 204)
    const after = await api(server.url, 'GET', '/api/projects', { headers: asKey(extra) })
    assert.equal(after.status, 401, 'a revoked key is refused')
    assert.equal((await api(server.url, 'DELETE', `/api/projects/${idA}/keys/${created.body.id}x`, { headers: asKey(keyA) })).status, 404)
  })

  it('sets and clears the trace retention of a project, and validates it', async () => {
    const set = await api(server.url, 'PATCH', `/api/projects/${idA}`, { headers: asKey(keyA), body: { retention_days: 30 } })
    assert.equal(set.status, 200)
    assert.equal(set.body.retention_days, 30)
    assert.equal(set.body.name, 'alpha-2', 'a settings change keeps the name')
    const { rows } = await t.pool.query(`select settings from projects where id = $1`, [idA])
    assert.deepEqual(rows[0].settings, { retention_days: 30 })
    for (const bad of [{ retention_days: 0 }, { retention_days: 1.5 }, { retention_days: 'x' }, {}]) {
      const res = await api(server.url, 'PATCH', `/api/projects/${idA}`, { headers: asKey(keyA), body: bad })
      assert.equal(res.status, 400, JSON.stringify(bad))
      assert.equal(res.body.code, 'validation_error')
    }
    const cleared = await api(server.url, 'PATCH', `/api/projects/${idA}`, { headers: asKey(keyA), body: { retention_days: null } })
    assert.equal(cleared.body.retention_days, null)
    const again = await t.pool.query(`select settings from projects where id = $1`, [idA])
    assert.deepEqual(again.rows[0].settings, {})
  })

  it('rotation returns a new key once and kills the old ones at once', async () => {
    const rotated = await api(server.url, 'POST', `/api/projects/${idA}/rotate`, { headers: asKey(keyA) })
    assert.equal(rotated.status, 200)
    assert.equal(rotated.body.id, idA)
    const fresh = rotated.body.api_key as string
    assert.notEqual(fresh, keyA)
    assert.equal((await api(server.url, 'GET', '/api/projects', { headers: asKey(keyA) })).status, 401)
    assert.equal((await api(server.url, 'GET', '/api/projects', { headers: asKey(fresh) })).status, 200)
    keyA = fresh
  })

  it('lets the admin token act across projects', async () => {
    const h = { headers: asBearer(ADMIN) }
    const list = await api(server.url, 'GET', '/api/projects', h)
    assert.equal(list.status, 200)
    assert.ok(list.body.projects.length >= 2)
    assert.equal(list.body.authenticated_project_id, undefined)
    const created = await api(server.url, 'POST', '/api/projects', { ...h, body: { name: 'gamma' } })
    assert.equal(created.status, 201)
    assert.match(created.body.api_key, /^ck_/)
    for (const field of ['id', 'name', 'created_at', 'updated_at', 'api_key']) assert.ok(field in created.body, field)
    const del = await api(server.url, 'DELETE', `/api/projects/${created.body.id}`, h)
    assert.equal(del.status, 204)
    assert.equal((await api(server.url, 'GET', '/api/projects', { headers: asKey(created.body.api_key) })).status, 401)
    assert.equal((await api(server.url, 'DELETE', `/api/projects/${created.body.id}`, h)).status, 404)
  })

  it("deleting a project removes its traces' spans and events too (through the trace)", async () => {
    const doomed = await createProject(t.db, 'doomed')
    const ingested = await ingestSync(t.db, doomed.id, {
      batch_key: 'doomed-1',
      traces: [{ trace_id: 'tr-doomed', name: 'run' }],
      spans: [{ trace_id: 'tr-doomed', span_id: 'root', name: 'plan', start_time: new Date().toISOString() }],
      events: [{ trace_id: 'tr-doomed', span_id: 'root', event_type: 'log', message: 'hi' }],
    })
    assert.equal(ingested.status, 'ok')
    const left = async () =>
      (await t.pool.query(`select (select count(*) from spans where project_id = $1)::int as spans, (select count(*) from span_events where project_id = $1)::int as events`, [doomed.id])).rows[0]
    assert.deepEqual(await left(), { spans: 1, events: 1 })
    assert.equal((await api(server.url, 'DELETE', `/api/projects/${doomed.id}`, { headers: asBearer(ADMIN) })).status, 204)
    assert.deepEqual(await left(), { spans: 0, events: 0 })
  })

  it('refuses a wrong admin token', async () => {
    const res = await api(server.url, 'GET', '/api/projects', { headers: asBearer(ADMIN + 'x') })
    assert.equal(res.status, 401)
  })

  it('treats a credential-free loopback caller as the local operator', async () => {
    const list = await api(local.url, 'GET', '/api/projects')
    assert.equal(list.status, 200)
    assert.ok(list.body.projects.length >= 2)
    const cfg = await api(local.url, 'GET', '/api/auth/config')
    assert.equal(cfg.body.local_mode_enabled, true)
    assert.equal((await api(server.url, 'GET', '/api/auth/config')).body.local_mode_enabled, false)
  })

  it('does not grant local mode when the server is bound to a public address', async () => {
    const exposed = await startTestServer(t.db, { host: '0.0.0.0' })
    try {
      assert.equal((await api(exposed.url, 'GET', '/api/projects')).status, 401)
    } finally {
      await exposed.close()
    }
  })

  it('validates input with readable 4xx errors', async () => {
    const h = { headers: asBearer(ADMIN) }
    const empty = await api(server.url, 'POST', '/api/projects', { ...h, body: { name: '   ' } })
    assert.equal(empty.status, 400)
    assert.equal(empty.body.code, 'validation_error')
    assert.match(empty.body.message, /name/)
    const long = await api(server.url, 'POST', '/api/projects', { ...h, body: { name: 'x'.repeat(101) } })
    assert.equal(long.status, 400)
    const wrongType = await api(server.url, 'POST', '/api/projects', { ...h, body: { name: 42 } })
    assert.equal(wrongType.status, 400)
    assert.match(wrongType.body.message, /name/)
    const badJson = await api(server.url, 'POST', '/api/projects', { ...h, rawBody: '{"name": ' })
    assert.equal(badJson.status, 400)
    assert.equal(badJson.body.code, 'invalid_json')
    const notUuid = await api(server.url, 'PATCH', '/api/projects/not-a-uuid', { ...h, body: { name: 'x' } })
    assert.equal(notUuid.status, 404)
    const unknown = await api(server.url, 'GET', '/api/nothing-here', h)
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'not_found')
    const big = await api(server.url, 'POST', '/api/projects', { ...h, rawBody: JSON.stringify({ name: 'x', pad: 'y'.repeat(2 * 1024 * 1024) }) })
    assert.equal(big.status, 413)
    assert.equal(big.body.code, 'payload_too_large')
  })

  it('protects the default project from deletion over the API', async () => {
    const created = await createProject(t.db, 'default', { isDefault: true })
    const res = await api(server.url, 'DELETE', `/api/projects/${created.id}`, { headers: asBearer(ADMIN) })
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 'default_project_protected')
  })

  it('stores no plaintext key anywhere in the database', async () => {
    const { rows } = await t.pool.query(`select to_jsonb(k)::text as row from api_keys k`)
    assert.ok(rows.length > 0)
    for (const key of [keyA, keyB]) {
      assert.ok(!rows.some((r: { row: string }) => r.row.includes(key)), 'plaintext key found in api_keys')
      const dump = await t.pool.query(`select count(*)::int as n from projects p where to_jsonb(p)::text like $1`, [`%${key}%`])
      assert.equal(dump.rows[0].n, 0)
    }
  })

  it('answers with a request id on every response', async () => {
    const res = await api(server.url, 'GET', '/api/health', { headers: { 'x-request-id': 'abc-123' } })
    assert.equal(res.headers.get('x-request-id'), 'abc-123')
    const err = await api(server.url, 'GET', '/api/projects')
    assert.ok(err.body.request_id)
    assert.equal(err.headers.get('x-request-id'), err.body.request_id)
  })
})
