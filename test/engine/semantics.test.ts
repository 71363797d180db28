import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { defineActivity, defineWorkflow, Registry } from '../../src/engine/definitions.js'
import { startRun } from '../../src/engine/control.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { historyTypes, waitFor, waitForStatus } from './helpers.js'

// More semantics on Postgres: the live-execution cache, signal-with-start, parent-close
// policies and activity timeouts.

let bodyRuns = 0
const step = defineActivity('step', async (n: number) => n * 2)
const counted = defineWorkflow({ name: 'counted', version: '1' }, async (ctx) => {
  bodyRuns++
  let total = 0
  for (let i = 1; i <= 4; i++) total += await ctx.activity(step, i)
  return total
})

const inbox = defineWorkflow({ name: 'inbox', version: '1' }, async (ctx) => {
  const first = await ctx.signal<string>('msg')
  const second = await ctx.signal<string>('msg')
  return [first, second]
})

const sleepyChild = defineWorkflow({ name: 'sleepy-child', version: '1' }, async (ctx) => {
  try {
    await ctx.sleep('1h')
    return 'slept'
  } catch {
    return 'cleaned up'
  }
})
const leavesChildren = defineWorkflow({ name: 'leaves-children', version: '1' }, async (ctx) => {
  void ctx.child(sleepyChild, {}, { parentClosePolicy: 'request_cancel' })
  void ctx.child(sleepyChild, {}, { parentClosePolicy: 'terminate' })
  void ctx.child(sleepyChild, {}, { parentClosePolicy: 'abandon' })
  await ctx.sleep(50)
  return 'parent done'
})

const nowhere = defineWorkflow({ name: 'registered-nowhere', version: '1' }, async () => 'unreachable')
const orphanParent = defineWorkflow({ name: 'orphan-parent', version: '1' }, async (ctx) => {
  try {
    return await ctx.child(nowhere, {})
  } catch (err) {
    const e = err as { status: string; code: string }
    return `${e.status}:${e.code}`
  }
})

const silent = defineActivity('silent', async (_: unknown, actx) => {
  await new Promise((resolve) => actx.signal.addEventListener('abort', resolve))
  return 'never'
})
const timesOut = defineWorkflow({ name: 'times-out', version: '1' }, async (ctx) => {
  try {
    await ctx.activity(silent, {}, { heartbeatTimeout: 200, retry: { maxAttempts: 1 } })
    return 'no'
  } catch (err) {
    return (err as { code: string }).code
  }
})

describe('engine semantics on Postgres', () => {
  let t: TestDatabase
  let worker: EngineWorker
  let projectId: string
  let n = 0
  const start = (name: string, input: unknown, extra: Partial<Parameters<typeof startRun>[1]> = {}) =>
    startRun(t.pool, { projectId, instanceKey: `sem-${++n}`, definitionName: name, definitionVersion: '1', input, ...extra })

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'semantics')).id
    worker = await startEngineWorker({
      pool: t.pool,
      registry: new Registry([step, counted, inbox, sleepyChild, leavesChildren, silent, timesOut, orphanParent]),
      logger: silentLogger,
      pollInterval: 300,
    })
  })
  after(async () => {
    await worker?.stop()
    await t.drop()
  })

  it('keeps the execution live between activations instead of replaying from the start', async () => {
    const { run_id } = await start('counted', {})
    const run = await waitForStatus(t.pool, run_id, 'completed')
    assert.equal(run.result, 20)
    assert.equal(bodyRuns, 1, 'five activations, one execution of the workflow body')
  })

  it('signal-with-start starts the run with the signal buffered, or signals the open run', async () => {
    const first = await start('inbox', {}, { instanceKey: 'sws', signal: { name: 'msg', payload: 'a' } })
    await waitForStatus(t.pool, first.run_id, 'waiting')
    const again = await start('inbox', {}, { instanceKey: 'sws', signal: { name: 'msg', payload: 'b' } })
    assert.equal(again.run_id, first.run_id)
    assert.deepEqual((await waitForStatus(t.pool, first.run_id, 'completed')).result, ['a', 'b'])
    await assert.rejects(start('inbox', {}, { instanceKey: 'sws', signal: { name: 'msg', payload: 'c' } }), { code: 'instance_conflict' })
  })

  it('parent-close policy: request_cancel lets the child clean up, terminate ends it, abandon leaves it running', async () => {
    const { run_id } = await start('leaves-children', {})
    await waitForStatus(t.pool, run_id, 'completed')
    const children = await waitFor('children to settle', async () => {
      const { rows } = await t.pool.query(`select parent_close_policy, status, result from engine.runs where parent_run_id = $1 order by parent_command_id`, [run_id])
      return rows.length === 3 && rows[0].status === 'completed' ? rows : undefined
    })
    assert.deepEqual(children, [
      { parent_close_policy: 'request_cancel', status: 'completed', result: 'cleaned up' },
      { parent_close_policy: 'terminate', status: 'terminated', result: null },
      { parent_close_policy: 'abandon', status: 'waiting', result: null },
    ])
  })

  it('a child of a workflow no worker registered fails to start, as a typed error in the parent', async () => {
    const { run_id } = await start('orphan-parent', {})
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 'start_failed:definition_not_registered')
  })

  it('an activity that stops heartbeating fails with heartbeat_timeout', async () => {
    const { run_id } = await start('times-out', {})
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 'heartbeat_timeout')
    assert.ok((await historyTypes(t.pool, run_id)).includes('activity.failed'))
  })
})
