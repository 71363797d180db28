import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'
import { assertOneOutcomePerActivity, waitFor } from './helpers.js'
import * as wf from './workflows.fixture.js'

describe('REST control plane /v1/engine/*', () => {
  let t: TestDatabase
  let server: TestServer
  let worker: EngineWorker
  let key: string
  let otherKey: string
  const call = (method: string, path: string, body?: unknown, k = key) => api(server.url, method, path, { body, headers: { 'x-api-key': k } })
  const start = (def: { name: string; version: string }, input: unknown, instance: string, request = instance) =>
    call('POST', '/v1/engine/runs', { instance_key: instance, definition_name: def.name, definition_version: def.version, request_key: request, input })
  const waitStatus = (runId: string, status: string) =>
    waitFor(`run ${runId} ${status}`, async () => {
      const r = await call('GET', `/v1/engine/runs/${runId}`)
      return r.body.status === status ? r.body : undefined
    })

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'engine-api')).api_key
    otherKey = (await createProject(t.db, 'other')).api_key
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, concurrency: 4, pollInterval: 500 })
    server = await startTestServer(t.db)
  })
  after(async () => {
    await server?.close()
    await worker?.stop()
    await t.drop()
  })

  it('starts a run, dedupes by request_key, refuses a reused instance_key with 409 instance_conflict', async () => {
    const first = await start(wf.three, { name: 'x' }, 'order-1', 'req-a')
    assert.equal(first.status, 200)
    assert.equal(first.body.trace_id, `engine:${first.body.run_id}`)
    const retried = await start(wf.three, { name: 'x' }, 'order-1', 'req-a')
    assert.deepEqual(retried.body, first.body)
    const conflict = await start(wf.three, { name: 'x' }, 'order-1', 'req-b')
    assert.equal(conflict.status, 409)
    assert.equal(conflict.body.code, 'instance_conflict')
    const done = await waitStatus(first.body.run_id, 'COMPLETED')
    assert.deepEqual(done.result, ['hello x', 'hello b', 'hello c'])
    const result = await call('GET', `/v1/engine/runs/${first.body.run_id}/result`)
    assert.equal(result.body.status, 'COMPLETED')
  })

  it('pages history with after/limit and reports has_more/next_after', async () => {
    const { body } = await start(wf.three, { name: 'h' }, 'hist-1')
    await waitStatus(body.run_id, 'COMPLETED')
    const page1 = await call('GET', `/v1/engine/runs/${body.run_id}/history?limit=3`)
    assert.deepEqual(page1.body.events.map((e: { sequence_no: number }) => e.sequence_no), [1, 2, 3])
    assert.equal(page1.body.has_more, true)
    const page2 = await call('GET', `/v1/engine/runs/${body.run_id}/history?after=${page1.body.next_after}&limit=1000`)
    assert.equal(page2.body.events[0].sequence_no, 4)
    assert.equal(page2.body.has_more, false)
    assert.equal(page2.body.events.at(-1).event_type, 'workflow.completed')
    const bad = await call('GET', `/v1/engine/runs/${body.run_id}/history?limit=5000`)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.code, 'validation_error')
  })

  it('signal, pending-work, result 409 before terminal, cancel, terminate, suspend/resume', async () => {
    const { body } = await start(wf.approval, { timeout: '1h' }, 'appr-1')
    await waitStatus(body.run_id, 'WAITING')
    const early = await call('GET', `/v1/engine/runs/${body.run_id}/result`)
    assert.equal(early.status, 409)
    assert.equal(early.body.code, 'run_not_terminal')
    const pending = await call('GET', `/v1/engine/runs/${body.run_id}/pending-work`)
    assert.equal(pending.body.timers.length, 1)
    assert.equal(pending.body.current_wait.kind, 'signal')
    assert.equal((await call('POST', `/v1/engine/runs/${body.run_id}/suspend`)).body.status, 'SUSPENDED')
    assert.equal((await call('POST', `/v1/engine/runs/${body.run_id}/resume`)).status, 200)
    // A request key makes a retried signal land once, and replays its answer after the run ended.
    const keyed = { signal_name: 'approve', payload: { ok: true }, request_key: 'approve-once' }
    const sig = await call('POST', `/v1/engine/runs/${body.run_id}/signal`, keyed)
    assert.equal(sig.status, 200)
    assert.equal(sig.body.accepted, true)
    assert.deepEqual((await call('POST', `/v1/engine/runs/${body.run_id}/signal`, keyed)).body, sig.body)
    const done = await waitStatus(body.run_id, 'COMPLETED')
    assert.equal(done.result, 'approved')
    const retried = await call('POST', `/v1/engine/runs/${body.run_id}/signal`, keyed)
    assert.equal(retried.status, 200)
    assert.deepEqual(retried.body, sig.body)
    const history = await call('GET', `/v1/engine/runs/${body.run_id}/history?limit=1000`)
    assert.equal(history.body.events.filter((e: { event_type: string }) => e.event_type === 'signal.received').length, 1)
    const late = await call('POST', `/v1/engine/runs/${body.run_id}/signal`, { signal_name: 'approve' })
    assert.equal(late.status, 409)
    assert.equal(late.body.code, 'run_terminal')
    const lateNewKey = await call('POST', `/v1/engine/runs/${body.run_id}/signal`, { ...keyed, request_key: 'another' })
    assert.equal(lateNewKey.status, 409)

    const c = await start(wf.cancellable, {}, 'cancel-1')
    await waitStatus(c.body.run_id, 'WAITING')
    assert.equal((await call('POST', `/v1/engine/runs/${c.body.run_id}/cancel`)).status, 200)
    await waitStatus(c.body.run_id, 'CANCELLED')

    const k = await start(wf.approval, { timeout: '1h' }, 'term-1')
    await waitStatus(k.body.run_id, 'WAITING')
    const term = await call('POST', `/v1/engine/runs/${k.body.run_id}/terminate`, { reason: 'budget exceeded' })
    assert.equal(term.body.status, 'TERMINATED')
    assert.equal(term.body.failure.error_code, 'terminated')
    assert.equal(term.body.failure.error_message, 'run terminated by operator: budget exceeded')
    const bad = await call('POST', `/v1/engine/runs/${k.body.run_id}/terminate`, { reason: 42 })
    assert.equal(bad.status, 400)
    assert.match(bad.body.message, /reason/)
  })

  it('lists runs with filters and cursor pagination; instances and definitions', async () => {
    for (let i = 0; i < 3; i++) await start(wf.sleeper, { ms: 1 }, `list-${i}`)
    const page1 = await call('GET', '/v1/engine/runs?definition_name=sleeper&limit=2')
    assert.equal(page1.body.runs.length, 2)
    assert.ok(page1.body.next_cursor)
    const page2 = await call('GET', `/v1/engine/runs?definition_name=sleeper&limit=2&cursor=${page1.body.next_cursor}`)
    assert.equal(page2.body.runs.length, 1)
    assert.equal(page2.body.next_cursor, null)
    const ids = new Set([...page1.body.runs, ...page2.body.runs].map((r: { run_id: string }) => r.run_id))
    assert.equal(ids.size, 3)
    const bad = await call('GET', '/v1/engine/runs?status=bogus')
    assert.equal(bad.status, 400)
    const inst = await call('GET', '/v1/engine/instances/list-0')
    assert.equal(inst.body.current_run.instance_key, 'list-0')
    const defs = await call('GET', '/v1/engine/definitions')
    const names = defs.body.definitions.map((d: { definition_name: string }) => d.definition_name)
    assert.ok(names.includes('three-steps'))
    assert.ok(defs.body.definitions.every((d: { live: boolean }) => d.live))
    const health = await call('GET', '/v1/engine/health')
    assert.equal(health.status, 200)
    assert.ok(health.body.workers.some((w: { status: string }) => w.status === 'active'))
  })

  it('another project cannot see or steer a run; bad input is a 4xx naming the problem', async () => {
    const { body } = await start(wf.approval, { timeout: '1h' }, 'private-1')
    const seen = await call('GET', `/v1/engine/runs/${body.run_id}`, undefined, otherKey)
    assert.equal(seen.status, 404)
    assert.equal((await call('POST', `/v1/engine/runs/${body.run_id}/cancel`, undefined, otherKey)).status, 404)
    assert.equal((await call('GET', '/v1/engine/runs/not-a-uuid')).status, 404)
    const missing = await call('POST', '/v1/engine/runs', { definition_name: 'x' })
    assert.equal(missing.status, 400)
    assert.match(missing.body.message, /instance_key/)
    const unknown = await call('POST', '/v1/engine/runs', { instance_key: 'u', definition_name: 'nope', definition_version: '1', request_key: 'r' })
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body.code, 'definition_not_registered')
    const badSignal = await call('POST', `/v1/engine/runs/${body.run_id}/signal`, { signal_name: '' })
    assert.equal(badSignal.status, 400)
    await call('POST', `/v1/engine/runs/${body.run_id}/terminate`)
  })

  it('remote activities: claim, heartbeat, complete with worker-id fencing and 409 activity_task_conflict', async () => {
    const { body } = await start(wf.remoteFlow, { name: 'py' }, 'remote-1')
    const claim = await waitFor('a remote task', async () => {
      const r = await call('POST', '/v1/engine/activities/claim', { worker_id: 'py-1', activity_types: ['compose-greeting'], lease_duration: '30s' })
      if (r.status !== 200) throw new Error(JSON.stringify(r.body))
      return r.body.tasks?.length ? r.body : undefined
    })
    const task = claim.tasks[0]
    assert.deepEqual(task.input, { name: 'py' })
    assert.equal(task.effective_lease_duration_ms, 30_000)
    const hb = await call('POST', `/v1/engine/activities/${task.task_id}/heartbeat`, { worker_id: 'py-1' })
    assert.equal(hb.status, 200)
    const stranger = await call('POST', `/v1/engine/activities/${task.task_id}/complete`, { worker_id: 'py-2', output: 'stolen' })
    assert.equal(stranger.status, 409)
    assert.equal(stranger.body.code, 'activity_task_conflict')
    // A retryable failure requeues the task for another attempt.
    assert.equal((await call('POST', `/v1/engine/activities/${task.task_id}/fail`, { worker_id: 'py-1', error_code: 'flaky', error_message: 'try again' })).status, 204)
    const again = await waitFor('the retry', async () => {
      const r = await call('POST', '/v1/engine/activities/claim', { worker_id: 'py-2', activity_types: ['compose-greeting'] })
      return r.body.tasks?.length ? r.body.tasks[0] : undefined
    })
    assert.equal((await call('POST', `/v1/engine/activities/${again.task_id}/complete`, { worker_id: 'py-1', output: 'x' })).status, 409)
    assert.equal((await call('POST', `/v1/engine/activities/${again.task_id}/complete`, { worker_id: 'py-2', output: 'Hello, py' })).status, 204)
    assert.equal((await call('POST', `/v1/engine/activities/${again.task_id}/complete`, { worker_id: 'py-2', output: 'twice' })).status, 409)
    const done = await waitStatus(body.run_id, 'COMPLETED')
    assert.equal(done.result, 'Hello, py')
    const missing = await call('POST', `/v1/engine/activities/00000000-0000-4000-8000-000000000000/heartbeat`, { worker_id: 'py-1' })
    assert.equal(missing.status, 404)
    await assertOneOutcomePerActivity(t.pool)
  })
})
