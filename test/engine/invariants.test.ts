import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { claimLocalTask, completeTask } from '../../src/engine/activities.js'
import { defineActivity, defineWorkflow, Registry } from '../../src/engine/definitions.js'
import { signalRun, startRun, resumeRun } from '../../src/engine/control.js'
import { fireTimer } from '../../src/engine/dispatch.js'
import { reconcile, startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { registerWorker } from '../../src/engine/workers.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { assertHistoryContiguous, assertOneOutcomePerActivity, historyTypes, waitFor, waitForStatus } from './helpers.js'
import * as wf from './workflows.fixture.js'

// ENGINE.md invariants, each with a test that fails if it breaks.

describe('engine invariants', () => {
  let t: TestDatabase
  let projectId: string
  const workers: EngineWorker[] = []
  let n = 0
  const start = (def: { name: string; version: string }, input: unknown) =>
    startRun(t.pool, { projectId, instanceKey: `inv-${++n}`, definitionName: def.name, definitionVersion: def.version, input })
  const spawn = async (registry: Registry) => {
    const w = await startEngineWorker({ pool: t.pool, registry, logger: silentLogger, concurrency: 4, pollInterval: 300, workerTimeoutMs: 1000 })
    workers.push(w)
    return w
  }
  const stopAll = async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()))
  }

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'invariants')).id
  })
  after(async () => {
    await stopAll()
    await t.drop()
  })

  it('1: concurrent signals and two competing workers never produce a gap or duplicate sequence number', async () => {
    await spawn(Registry.fromModule(wf))
    await spawn(Registry.fromModule(wf))
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => start(wf.three, { name: `r${i}` })))
    const counter = await start(wf.counter, { left: 1, got: [] })
    await Promise.all(Array.from({ length: 20 }, (_, i) => signalRun(t.pool, projectId, counter.run_id, 'tick', i)))
    for (const r of runs) await waitForStatus(t.pool, r.run_id, 'completed')
    await waitForStatus(t.pool, counter.run_id, 'completed')
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
    await stopAll()
  })

  it('2: a completion fenced on (attempt, owner) is refused once the task was reclaimed', async () => {
    await registerWorker(t.pool, 'w-old', new Registry())
    await registerWorker(t.pool, 'w-new', new Registry())
    const { run_id } = await start(wf.slowFlow, { ms: 1 })
    // No engine worker is running: activate by hand is not needed, the task appears after the first activation.
    const w = await spawn(new Registry([wf.slowFlow]))
    const taskId = await waitFor('the task row', async () => (await t.pool.query(`select id from engine.activity_tasks where run_id = $1`, [run_id])).rows[0]?.id)
    await w.stop()
    workers.splice(0)
    const old = await claimLocalTask(t.pool, taskId, 'w-old')
    assert.equal(old?.attempt, 1)
    assert.equal(await claimLocalTask(t.pool, taskId, 'w-new'), undefined, 'a live owner keeps its task')
    await t.pool.query(`update engine.workers set status = 'dead' where id = 'w-old'`)
    const fresh = await claimLocalTask(t.pool, taskId, 'w-new')
    assert.equal(fresh?.attempt, 2)
    assert.equal(await completeTask(t.pool, { taskId, owner: 'w-old', attempt: 1 }, 'late'), 'conflict')
    assert.equal(await completeTask(t.pool, { taskId, owner: 'w-new', attempt: 2 }, 'slept'), 'recorded')
    assert.equal(await completeTask(t.pool, { taskId, owner: 'w-new', attempt: 2 }, 'again'), 'conflict')
    const outcomes = (await historyTypes(t.pool, run_id)).filter((x) => x === 'activity.completed')
    assert.equal(outcomes.length, 1)
  })

  it('3: a divergent replay quarantines the run with expected/actual and writes no history; resume after a fix continues', async () => {
    const ask = defineActivity('ask', async (q: string) => `answer to ${q}`)
    const v1 = defineWorkflow({ name: 'evolving', version: '1' }, async (ctx) => {
      const a = await ctx.activity(ask, 'first')
      const go = await ctx.signal<string>('go')
      return [a, go]
    })
    await spawn(new Registry([ask, v1]))
    const { run_id } = await start(v1, {})
    await waitForStatus(t.pool, run_id, 'waiting')
    await waitFor('the signal wait', async () => (await t.pool.query(`select waiting_for->>'kind' as k from engine.runs where id = $1`, [run_id])).rows[0]?.k === 'signal')
    await stopAll()

    const broken = defineWorkflow({ name: 'evolving', version: '1' }, async (ctx) => {
      const a = await ctx.activity(ask, 'changed question')
      return [a, await ctx.signal<string>('go')]
    })
    await spawn(new Registry([ask, broken]))
    const before = await historyTypes(t.pool, run_id)
    await signalRun(t.pool, projectId, run_id, 'go', 'now')
    const q = await waitForStatus(t.pool, run_id, 'quarantined')
    assert.equal(q.error_code, 'replay_mismatch')
    assert.match(q.waiting_for.expected, /first/)
    assert.match(q.waiting_for.actual, /changed question/)
    assert.deepEqual(await historyTypes(t.pool, run_id), [...before, 'signal.received'], 'quarantine appends nothing')
    await stopAll()

    await spawn(new Registry([ask, v1]))
    await resumeRun(t.pool, projectId, run_id)
    const done = await waitForStatus(t.pool, run_id, 'completed')
    assert.deepEqual(done.result, ['answer to first', 'now'])
    await stopAll()
  })

  it('4: workflow, activity and side-effect code run with no transaction open on the engine pool', async () => {
    const openTx = async () => {
      const { rows } = await t.pool.query(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%' and pid <> pg_backend_pid()`,
      )
      return rows[0].n as number
    }
    const seen: number[] = []
    const probe = defineActivity('probe', async () => {
      seen.push(await openTx())
      return 'ok'
    })
    const flow = defineWorkflow({ name: 'probing', version: '1' }, async (ctx) => {
      await ctx.sideEffect('probe', async () => seen.push(await openTx()))
      return ctx.activity(probe, {})
    })
    await spawn(new Registry([probe, flow]))
    const { run_id } = await start(flow, {})
    await waitForStatus(t.pool, run_id, 'completed')
    assert.deepEqual(seen, [0, 0])
    await stopAll()
  })

  it('6: the reconciler re-activates an open run that lost every job', async () => {
    const { run_id } = await start(wf.three, { name: 'orphan' })
    // Simulate a lost wake-up: drop the activation job and age the run.
    await t.pool.query(`delete from graphile_worker._private_jobs where key = $1`, [`run:${run_id}`])
    await t.pool.query(`update engine.runs set updated_at = now() - interval '1 minute' where id = $1`, [run_id])
    assert.equal(await reconcile(t.pool), 1)
    assert.equal(await reconcile(t.pool), 0, 'a run with a pending activation is left alone')
    await spawn(Registry.fromModule(wf))
    await waitForStatus(t.pool, run_id, 'completed')
    await stopAll()
  })

  it('7: firing a timer twice records it once', async () => {
    const { run_id } = await start(wf.sleeper, { ms: 1 })
    await spawn(Registry.fromModule(wf))
    const timerId = await waitFor('the timer', async () => (await t.pool.query(`select id from engine.timers where run_id = $1`, [run_id])).rows[0]?.id)
    await waitForStatus(t.pool, run_id, 'completed')
    assert.equal(await fireTimer(t.pool, timerId), false)
    assert.equal((await historyTypes(t.pool, run_id)).filter((x) => x === 'timer.fired').length, 1)
    await stopAll()
  })
})
