import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { signalRun, startRun } from '../../src/engine/control.js'
import { loadDefinitions } from '../../src/engine/load-module.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { ROOT } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { waitFor, waitForStatus } from './helpers.js'

// The shipped examples (examples/engine) load through the same path as `continua worker
// --workflows` and do what their comments say.

describe('engine examples', () => {
  let t: TestDatabase
  let worker: EngineWorker
  let projectId: string
  let n = 0
  const start = (name: string, input: unknown) => startRun(t.pool, { projectId, instanceKey: `ex-${++n}`, definitionName: name, definitionVersion: '1', input })

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'examples')).id
    const registry = await loadDefinitions([path.join(ROOT, 'examples', 'engine', 'index.ts')])
    worker = await startEngineWorker({ pool: t.pool, registry, logger: silentLogger, pollInterval: 300 })
  })
  after(async () => {
    await worker?.stop()
    await t.drop()
  })

  it('agent loop, fan-out, flaky tool and continue-as-new loop run to their documented results', async () => {
    const agent = await start('agent-loop', { question: 'meaning of life' })
    const fan = await start('summarize-all', { docs: ['a', 'b', 'c'] })
    const flaky = await start('flaky-tool', { failFirst: 2 })
    const fatal = await start('flaky-tool', { failFirst: 0, fatal: true })
    const loop = await start('long-loop', { total: 5, batch: 2, every: '10ms' })
    assert.deepEqual((await waitForStatus(t.pool, agent.run_id, 'completed')).result, { answer: 'meaning of life → 42', turns: 3 })
    assert.deepEqual((await waitForStatus(t.pool, fan.run_id, 'completed')).result, ['summary of a', 'summary of b', 'summary of c'])
    const flakyResult = (await waitForStatus(t.pool, flaky.run_id, 'completed')).result
    assert.equal(flakyResult.attempt, 3)
    assert.deepEqual((await waitForStatus(t.pool, fatal.run_id, 'completed')).result, { ok: false, code: 'bad_request' })
    await waitForStatus(t.pool, loop.run_id, 'continued_as_new')
    const chain = await waitFor('the loop to finish', async () => {
      const { rows } = await t.pool.query(`select r.status, r.result from engine.runs r join engine.instances i on i.id = r.instance_id where i.instance_key = 'ex-5' order by r.run_number`)
      return rows.at(-1)?.status === 'completed' ? rows : undefined
    })
    assert.deepEqual(chain.map((r: { status: string }) => r.status), ['continued_as_new', 'continued_as_new', 'completed'])
    assert.deepEqual(chain.at(-1).result, { done: 5 })
  })

  it('approval resolves from a signal', async () => {
    const run = await start('approval', { request: 'deploy', approver: 'ada', timeout: '1h' })
    await waitForStatus(t.pool, run.run_id, 'waiting')
    await signalRun(t.pool, projectId, run.run_id, 'approve', { approved: true, by: 'ada' })
    assert.deepEqual((await waitForStatus(t.pool, run.run_id, 'completed')).result, { outcome: 'approved', by: 'ada' })
  })
})

