import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { seedEngineRuns, type DemoRun } from '../../src/engine/demo.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { ingestSync } from '../../src/ingest/index.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// Durable runs are also traces: the engine filters of GET /api/traces and the `engine` field on
// projected traces, over runs driven to their states by a real engine worker.

describe('GET /api/traces engine filters', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let otherKey: string
  let runs: DemoRun[]

  before(async () => {
    t = await createTestDatabase()
    const project = await createProject(t.db, 'engine-reads')
    key = project.api_key
    runs = await seedEngineRuns(t.pool, project.id, silentLogger)
    await ingestSync(t.db, project.id, {
      batch_key: 'plain',
      traces: [{ trace_id: 'plain-trace', name: 'not a run', status: 'completed' }],
    })
    const other = await createProject(t.db, 'other')
    otherKey = other.api_key
    await seedEngineRuns(t.pool, other.id, silentLogger)
    server = await startTestServer(t.db, { adminToken: 'a'.repeat(24) })
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  const list = async (query: string, apiKey = key) => {
    const res = await api(server.url, 'GET', `/api/traces?limit=200&${query}`, { headers: { 'x-api-key': apiKey } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.traces as Array<{ name: string; engine?: Record<string, string> }>
  }
  const runId = (state: string) => runs.find((r) => r.state === state)!.run_id

  it('marks projected traces with the run they mirror, and leaves other traces alone', async () => {
    const all = await list('')
    const plain = all.find((x) => x.name === 'not a run')!
    assert.equal(plain.engine, undefined)
    const completed = all.find((x) => x.engine?.run_id === runId('completed'))!
    assert.equal(completed.engine!.definition_name, 'demo.order')
    assert.equal(completed.engine!.definition_version, '1')
    assert.equal(completed.engine!.instance_key, 'demo-order-1001')
    assert.equal(completed.engine!.status, 'COMPLETED')
    assert.equal(completed.engine!.projection_state, 'up_to_date')
  })

  it('filters by run, instance key, definition, status and engine_only, within the project', async () => {
    assert.ok((await list('engine_only=true')).every((x) => x.engine))
    assert.ok((await list('engine_only=true')).length >= runs.length)
    assert.deepEqual((await list(`engine_run_id=${runId('failed')}`)).map((x) => x.engine!.status), ['FAILED'])
    // Each run's trace is found by the run's current status, in either case, and carries it.
    const { rows } = await t.pool.query<{ id: string; status: string }>(`select id, status from engine.runs where id = any($1::uuid[])`, [runs.map((r) => r.run_id)])
    for (const run of rows) {
      for (const status of [run.status, run.status.toUpperCase()]) {
        const found = await list(`engine_run_status=${status}`)
        assert.ok(found.some((x) => x.engine!.run_id === run.id), `${run.id} under ${status}`)
        assert.ok(found.every((x) => x.engine!.status === run.status.toUpperCase()))
      }
    }
    const byKey = await list('engine_instance_key=demo-order-1001')
    assert.deepEqual(byKey.map((x) => x.engine!.run_id), [runId('completed')])
    const approvals = await list('engine_definition_name=demo.approval&engine_definition_version=1')
    assert.deepEqual(approvals.map((x) => x.engine!.instance_key).sort(), ['demo-approval-7', 'demo-approval-cancelled', 'demo-approval-terminated'])
    assert.deepEqual(await list('engine_definition_name=nope'), [])
    assert.equal((await list('engine_projection_state=up_to_date&engine_only=true')).length, (await list('engine_only=true')).length)
    assert.deepEqual(await list('engine_projection_state=journal_expired'), [])
    // the other project's identical runs never show up
    const project = await t.pool.query<{ id: string }>(`select id from projects where name = 'engine-reads'`)
    const owned = await t.pool.query<{ id: string }>(`select id from engine.runs where project_id = $1`, [project.rows[0]!.id])
    const mine = new Set(owned.rows.map((r) => r.id))
    assert.ok(runs.every((r) => mine.has(r.run_id)))
    assert.ok((await list('engine_only=true')).every((x) => mine.has(x.engine!.run_id!)))
    assert.ok((await list('engine_only=true', otherKey)).every((x) => !mine.has(x.engine!.run_id!)))
  })

  it('rejects malformed engine filters with a 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['engine_run_status=sleeping', 'engine_run_status'],
      ['engine_run_id=abc', 'engine_run_id'],
      ['engine_parent_run_id=1', 'engine_parent_run_id'],
      ['engine_projection_state=stale', 'engine_projection_state'],
      ['engine_only=perhaps', 'engine_only'],
    ]) {
      const res = await api(server.url, 'GET', `/api/traces?${query}`, { headers: { 'x-api-key': key } })
      assert.equal(res.status, 400, query)
      assert.match(res.body.message, new RegExp(param!))
    }
  })
})
