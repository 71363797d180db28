import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

describe('GET /api/openapi.json', () => {
  let t: TestDatabase
  let server: TestServer
  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: 'admin-token-for-read-tests-0123' })
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('is public and describes the read routes with schemas generated from zod', async () => {
    const res = await api(server.url, 'GET', '/api/openapi.json')
    assert.equal(res.status, 200, 'no credentials needed')
    const doc = res.body
    assert.equal(doc.openapi, '3.1.0')
    for (const path of ['/api/traces', '/api/traces/{id}/events', '/api/traces/{id}/stream', '/api/sessions/{id}/compare', '/v1/ingest', '/api/projects']) {
      assert.ok(doc.paths[path], path)
    }
    const list = doc.paths['/api/traces'].get
    assert.deepEqual(list.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/TraceList' })
    const names = list.parameters.map((p: { name: string }) => p.name)
    for (const p of ['q', 'status', 'session_id', 'cursor', 'has_errors', 'min_duration_ms', 'sort_dir']) assert.ok(names.includes(p), p)
    const span = doc.components.schemas.Span
    assert.deepEqual(span.properties.kind.enum, ['LLM', 'TOOL', 'CHAIN', 'AGENT', 'CUSTOM'])
    assert.ok(span.properties.type && span.properties.cost_usd_decimal)
    // every $ref resolves to a component
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? []
    for (const r of new Set(refs)) assert.ok(doc.components.schemas[r.split('/').pop()!], r)
  })
})
