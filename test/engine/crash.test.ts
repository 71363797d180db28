import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startRun } from '../../src/engine/control.js'
import { createProject } from '../../src/projects.js'
import { ROOT, startCli, type LongRunning } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { assertHistoryContiguous, assertOneOutcomePerActivity, waitFor, waitForStatus } from './helpers.js'

// Crash recovery with real worker processes killed with SIGKILL at chosen points. A second,
// healthy worker must declare the first dead, release its graphile jobs and finish every run.

const FIXTURE = path.join(ROOT, 'test', 'engine', 'workflows.fixture.ts')
const TIMEOUT_MS = '2000'

describe('crash recovery (kill -9 of worker processes)', () => {
  let t: TestDatabase
  let projectId: string
  const procs: LongRunning[] = []

  const worker = (crashAt?: string) => {
    const p = startCli(['worker', '--workflows', FIXTURE, '--concurrency', '4'], {
      DATABASE_URL: t.url,
      CONTINUA_ENGINE_WORKER_TIMEOUT_MS: TIMEOUT_MS,
      CONTINUA_ENGINE_CRASH_AT: crashAt,
      LOG_LEVEL: 'error',
    })
    procs.push(p)
    return p
  }
  const exited = (p: LongRunning) => new Promise<void>((resolve) => (p.child.exitCode !== null || p.child.signalCode !== null ? resolve() : p.child.once('exit', () => resolve())))
  let n = 0
  const start = (name: string, input: unknown) => startRun(t.pool, { projectId, instanceKey: `crash-${++n}`, definitionName: name, definitionVersion: '1', input })

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'crash')).id
  })
  after(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL', 5000)))
    await t.drop()
  })

  for (const point of ['activity-start', 'activity-returned', 'activation'] as const) {
    it(`a worker killed at ${point} is declared dead and another worker finishes the run`, async () => {
      const doomed = worker(point)
      await doomed.waitFor(/Engine worker .* running/)
      const { run_id } = await start('three-steps', { name: point })
      await exited(doomed)
      assert.equal(doomed.child.signalCode, 'SIGKILL')
      const healthy = worker()
      await healthy.waitFor(/Engine worker .* running/)
      const run = await waitForStatus(t.pool, run_id, 'completed', 30_000)
      assert.deepEqual(run.result, [`hello ${point}`, 'hello b', 'hello c'])
      const { rows } = await t.pool.query(`select status from engine.workers where status = 'dead'`)
      assert.ok(rows.length >= 1, 'the killed worker was declared dead')
      if (point !== 'activation') {
        const { rows: tasks } = await t.pool.query(`select max(attempt) as attempts from engine.activity_tasks where run_id = $1`, [run_id])
        assert.equal(tasks[0].attempts, 2, 'the interrupted activity ran again (at least once)')
      }
      await healthy.stop('SIGTERM')
    })
  }

  it('kill -9 mid-activity: the task is re-run (attempt 2) and its completion recorded once', async () => {
    const first = worker()
    await first.waitFor(/Engine worker .* running/)
    const { run_id } = await start('slow-flow', { ms: 1500 })
    await waitFor('the activity to be claimed', async () => {
      const { rows } = await t.pool.query(`select status from engine.activity_tasks where run_id = $1`, [run_id])
      return rows[0]?.status === 'claimed'
    })
    first.child.kill('SIGKILL')
    await exited(first)
    const second = worker()
    const run = await waitForStatus(t.pool, run_id, 'completed', 30_000)
    assert.equal(run.result, 'slept 1500 on attempt 2')
    const { rows } = await t.pool.query(`select attempt, status from engine.activity_tasks where run_id = $1`, [run_id])
    assert.deepEqual(rows, [{ attempt: 2, status: 'completed' }])
    await second.stop('SIGTERM')
  })

  it('after all crashes: histories are contiguous and each activity has one recorded outcome', async () => {
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
  })
})
