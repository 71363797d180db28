import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { seedDemo } from '../../src/seed/index.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api } from '../helpers/server.js'
import { startServer } from './fixture.js'

// `serve --demo`: the demo project readable without credentials, nothing else visible, and every
// mutation refused, even with valid credentials.

describe('read-only public demo', () => {
  let t: TestDatabase
  let server: { url: string; close(): Promise<void> }
  let demoId: string
  let other: { id: string; api_key: string }
  const ADMIN = 'admin-token-for-demo-tests'

  before(async () => {
    t = await createTestDatabase()
    demoId = (await seedDemo(t.db)).project.id
    other = await createProject(t.db, 'private')
    server = await startServer(t, { adminToken: ADMIN, host: '127.0.0.1', demoProjectId: demoId, demoLabel: 'Sample data' })
  })
  after(async () => {
    await server?.close()
    await t?.drop()
  })

  it('announces the demo and no login in /api/auth/config', async () => {
    const { body } = await api(server.url, 'GET', '/api/auth/config')
    assert.equal(body.public_demo_enabled, true)
    assert.equal(body.public_demo_label, 'Sample data')
    assert.equal(body.public_demo_project_id, demoId)
    assert.equal(body.enabled, false)
    assert.equal(body.local_mode_enabled, false)
  })

  it('reads the demo project without credentials and nothing else', async () => {
    const traces = await api(server.url, 'GET', '/api/traces')
    assert.equal(traces.status, 200)
    assert.ok(traces.body.total >= 5)
    const projects = await api(server.url, 'GET', '/api/projects')
    assert.deepEqual(projects.body.projects.map((p: { id: string }) => p.id), [demoId])
    const foreign = await api(server.url, 'GET', `/api/traces?project_id=${other.id}`)
    assert.equal(foreign.status, 403)
    assert.equal(foreign.body.code, 'project_scope_mismatch')
    const keys = await api(server.url, 'GET', `/api/projects/${other.id}/keys`)
    assert.equal(keys.status, 404)
  })

  it('refuses every mutation with 403 demo_read_only, whoever asks', async () => {
    const attempts: Array<[string, string, unknown, Record<string, string>]> = [
      ['POST', '/api/projects', { name: 'x' }, {}],
      ['POST', `/api/projects/${demoId}/rotate`, {}, {}],
      ['DELETE', `/api/projects/${demoId}`, undefined, {}],
      ['PATCH', `/api/projects/${demoId}`, { name: 'renamed' }, { authorization: `Bearer ${ADMIN}` }],
      ['POST', '/v1/ingest', { batch_key: 'b', traces: [] }, { 'x-api-key': other.api_key }],
      ['POST', '/v1/engine/runs', { instance_key: 'i', definition_name: 'd', definition_version: '1', request_key: 'r' }, {}],
    ]
    for (const [method, path, body, headers] of attempts) {
      const r = await api(server.url, method, path, { body, headers })
      assert.equal(r.status, 403, `${method} ${path}`)
      assert.equal(r.body.code, 'demo_read_only', `${method} ${path}`)
    }
    const still = await api(server.url, 'GET', '/api/projects')
    assert.equal(still.body.projects[0].name, 'demo')
  })

  it('serves the debugger', async () => {
    const res = await fetch(`${server.url}/dashboard`)
    assert.equal(res.status, 200)
    assert.match(await res.text(), /id="root"/)
  })
})
