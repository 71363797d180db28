import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'
import { waitFor } from './helpers.js'
import * as wf from './workflows.fixture.js'

// Purge (projection_only | full), repair and projections/backfill, as the reference has them.

describe('engine purge, repair and backfill', () => {
  let t: TestDatabase
  let server: TestServer
  let worker: EngineWorker
  let key: string
  const call = (method: string, path: string, body?: unknown) => api(server.url, method, path, { body, headers: { 'x-api-key': key } })
  const finished = async (instance: string) => {
    const { body } = await call('POST', '/v1/engine/runs', { instance_key: instance, definition_name: 'three-steps', definition_version: '1', request_key: instance, input: { name: instance } })
    await waitFor('completion', async () => (await call('GET', `/v1/engine/runs/${body.run_id}`)).body.status === 'COMPLETED')
    return body.run_id as string
  }
  const detail = async (runId: string) => {
    const { rows } = await t.pool.query(
      `select (select count(*) from spans s where s.trace_id = tr.id)::int as spans, (select count(*) from span_events e where e.trace_id = tr.id)::int as events
       from traces tr where tr.engine_run_id = $1`,
      [runId],
    )
    return rows[0]
  }

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'purge')).api_key
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, pollInterval: 300 })
    server = await startTestServer(t.db)
  })
  after(async () => {
    await server?.close()
    await worker?.stop()
    await t.drop()
  })

  it('projection_only keeps the summary; repair rebuilds the detail from history', async () => {
    const runId = await finished('p-1')
    const before = await detail(runId)
    assert.ok(before.spans > 1 && before.events > 0)
    const purged = await call('POST', `/v1/engine/runs/${runId}/purge`, { mode: 'projection_only' })
    assert.deepEqual(purged.body, { run_id: runId, mode: 'projection_only', projection_state: 'summary_only', deleted: true })
    assert.deepEqual(await detail(runId), { spans: 1, events: 0 })
    assert.equal((await call('GET', `/v1/engine/runs/${runId}`)).body.projection_state, 'summary_only')
    const repaired = await call('POST', `/v1/engine/runs/${runId}/repair`)
    assert.deepEqual(repaired.body, { run_id: runId, accepted: true, reason: 'repair_requested', projection_state: 'up_to_date' })
    assert.deepEqual(await detail(runId), before)
    assert.equal((await call('POST', `/v1/engine/runs/${runId}/repair`)).body.reason, 'already_up_to_date')
  })

  it('full purge expires the journal; history reports expired; purge of an open run is 409', async () => {
    const runId = await finished('p-2')
    const purged = await call('POST', `/v1/engine/runs/${runId}/purge`, { mode: 'full' })
    assert.equal(purged.body.projection_state, 'journal_expired')
    const history = await call('GET', `/v1/engine/runs/${runId}/history`)
    assert.deepEqual([history.body.events.length, history.body.expired], [0, true])
    assert.equal((await call('POST', `/v1/engine/runs/${runId}/repair`)).body.reason, 'history_expired')
    assert.equal((await call('GET', `/v1/engine/runs/${runId}/result`)).body.status, 'COMPLETED', 'the summary survives')
    const open = await call('POST', '/v1/engine/runs', { instance_key: 'p-open', definition_name: 'approval', definition_version: '1', request_key: 'p-open', input: { timeout: '1h' } })
    const refused = await call('POST', `/v1/engine/runs/${open.body.run_id}/purge`, { mode: 'full' })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'run_not_terminal')
    assert.equal((await call('POST', `/v1/engine/runs/${runId}/purge`, { mode: 'everything' })).status, 400)
  })

  it('backfill previews and repairs summary_only runs', async () => {
    const a = await finished('b-1')
    await call('POST', `/v1/engine/runs/${a}/purge`, { mode: 'projection_only' })
    const preview = await call('POST', '/v1/engine/projections/backfill', { dry_run: true })
    assert.equal(preview.body.eligible_count, 1)
    assert.equal(preview.body.results[0].action, 'would_repair')
    const applied = await call('POST', '/v1/engine/projections/backfill', {})
    assert.equal(applied.body.repair_requested_count, 1)
    assert.equal((await call('GET', `/v1/engine/runs/${a}`)).body.projection_state, 'up_to_date')
    assert.equal((await call('POST', '/v1/engine/projections/backfill', { limit: 500 })).status, 400)
  })
})
