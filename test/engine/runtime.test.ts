import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from '../../src/engine/definitions.js'
import { cancelRun, resumeRun, signalRun, startRun, suspendRun, terminateRun } from '../../src/engine/control.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { assertHistoryContiguous, assertOneOutcomePerActivity, historyTypes, runStatus, waitForStatus } from './helpers.js'
import * as wf from './workflows.fixture.js'

describe('engine on Postgres and graphile-worker', () => {
  let t: TestDatabase
  let worker: EngineWorker
  let projectId: string
  let n = 0
  const start = (def: { name: string; version: string }, input: unknown, extra: { requestKey?: string; instanceKey?: string } = {}) =>
    startRun(t.pool, { projectId, instanceKey: extra.instanceKey ?? `i-${++n}`, definitionName: def.name, definitionVersion: def.version, input, requestKey: extra.requestKey })

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'engine')).id
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, concurrency: 4, pollInterval: 500 })
  })
  after(async () => {
    await worker?.stop()
    await t.drop()
  })

  it('runs a workflow with concurrent activities to completion with a contiguous history', async () => {
    const { run_id } = await start(wf.three, { name: 'ada' })
    const run = await waitForStatus(t.pool, run_id, 'completed')
    assert.deepEqual(run.result, ['hello ada', 'hello b', 'hello c'])
    const types = await historyTypes(t.pool, run_id)
    assert.equal(types[0], 'workflow.started')
    assert.equal(types.at(-1), 'workflow.completed')
    assert.equal(types.filter((x) => x === 'activity.completed').length, 3)
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
  })

  it('instance keys are unique per project; a retried start with the same request key returns the same run', async () => {
    const first = await start(wf.sleeper, { ms: 1 }, { instanceKey: 'dup', requestKey: 'req-1' })
    const again = await start(wf.sleeper, { ms: 1 }, { instanceKey: 'dup', requestKey: 'req-1' })
    assert.deepEqual(again, first)
    await assert.rejects(start(wf.sleeper, { ms: 1 }, { instanceKey: 'dup', requestKey: 'req-2' }), { code: 'instance_conflict' })
    await assert.rejects(start({ name: 'nope', version: '1' }, {}), { code: 'definition_not_registered' })
  })

  it('a timer fires close to its due time, not on a periodic sweep', async () => {
    const { run_id } = await start(wf.sleeper, { ms: 700 })
    const run = await waitForStatus(t.pool, run_id, 'completed')
    const { rows } = await t.pool.query(`select due_at, fired_at from engine.timers where run_id = $1`, [run_id])
    const lateness = rows[0].fired_at.getTime() - rows[0].due_at.getTime()
    assert.ok(lateness >= 0 && lateness < 1000, `timer fired ${lateness} ms after due`)
    assert.equal(run.result, 'woke')
  })

  it('a signal resumes a waiting run; with no signal the timeout resolves null', async () => {
    const a = await start(wf.approval, { timeout: '1h' })
    await waitForStatus(t.pool, a.run_id, 'waiting')
    await signalRun(t.pool, projectId, a.run_id, 'approve', { ok: true })
    assert.equal((await waitForStatus(t.pool, a.run_id, 'completed')).result, 'approved')
    const b = await start(wf.approval, { timeout: '300ms' })
    assert.equal((await waitForStatus(t.pool, b.run_id, 'completed')).result, 'timed out')
    await assert.rejects(signalRun(t.pool, projectId, a.run_id, 'approve', {}), { code: 'run_terminal' })
  })

  it('cancel throws into the pending await; cleanup runs an activity; the run ends cancelled', async () => {
    const { run_id } = await start(wf.cancellable, {})
    await waitForStatus(t.pool, run_id, 'waiting')
    const res = await cancelRun(t.pool, projectId, run_id)
    assert.equal(res.accepted, true)
    await waitForStatus(t.pool, run_id, 'cancelled')
    const types = await historyTypes(t.pool, run_id)
    assert.ok(types.indexOf('activity.completed') > types.indexOf('cancel.requested'))
    const { rows } = await t.pool.query(`select status from engine.timers where run_id = $1`, [run_id])
    assert.equal(rows[0].status, 'cancelled')
  })

  it("a child's failure reaches the parent as a typed error; terminate ends a run and its descendants", async () => {
    const failing = await start(wf.parent, { fail: true })
    assert.equal((await waitForStatus(t.pool, failing.run_id, 'completed')).result, 'caught child_refused')

    const long = await start(wf.parent, { sleep: '1h' })
    const childRow = await waitForStatus(t.pool, long.run_id, 'waiting').then(async () => {
      for (;;) {
        const { rows } = await t.pool.query(`select * from engine.runs where parent_run_id = $1`, [long.run_id])
        if (rows[0]?.status === 'waiting') return rows[0]
        await new Promise((r) => setTimeout(r, 50))
      }
    })
    await terminateRun(t.pool, projectId, long.run_id)
    assert.equal(await runStatus(t.pool, long.run_id), 'terminated')
    assert.equal(await runStatus(t.pool, childRow.id), 'terminated')
  })

  it('continue-as-new starts a fresh run of the instance and carries unconsumed signals', async () => {
    const { run_id } = await start(wf.counter, { left: 2, got: [] })
    await waitForStatus(t.pool, run_id, 'waiting')
    await signalRun(t.pool, projectId, run_id, 'tick', 'one')
    await signalRun(t.pool, projectId, run_id, 'tick', 'two')
    const first = await waitForStatus(t.pool, run_id, 'continued_as_new')
    const second = await waitForStatus(t.pool, first.continued_to_run_id, 'completed')
    assert.deepEqual(second.result, ['one', 'two'])
    assert.equal(second.continued_from_run_id, run_id)
    assert.equal(second.run_number, 2)
  })

  it('suspend parks a run (outcomes accumulate); resume continues it', async () => {
    const { run_id } = await start(wf.approval, { timeout: '1h' })
    await waitForStatus(t.pool, run_id, 'waiting')
    await suspendRun(t.pool, projectId, run_id)
    await signalRun(t.pool, projectId, run_id, 'approve', { ok: false })
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(await runStatus(t.pool, run_id), 'suspended')
    await resumeRun(t.pool, projectId, run_id)
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 'rejected')
    await assertHistoryContiguous(t.pool)
  })
})
