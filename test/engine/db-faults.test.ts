import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { Registry } from '../../src/engine/definitions.js'
import { signalRun, startRun } from '../../src/engine/control.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { createPool } from '../../src/db/connection.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { waitForStatus } from './helpers.js'
import * as wf from './workflows.fixture.js'

// Database faults: every backend of the worker is terminated mid-run (pg_terminate_backend).
// The pool and graphile-worker's LISTEN connection must recover by themselves.

describe('engine survives pg_terminate_backend', () => {
  let t: TestDatabase
  let pool: pg.Pool
  let worker: EngineWorker
  let projectId: string

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'faults')).id
    pool = createPool(t.url, 10, 'engine-fault-test', silentLogger)
    worker = await startEngineWorker({ pool, registry: Registry.fromModule(wf), logger: silentLogger, pollInterval: 300 })
  })
  after(async () => {
    await worker?.stop()
    await pool?.end()
    await t.drop()
  })

  it('runs in flight complete after all worker connections are killed', async () => {
    const sleeping = await startRun(t.pool, { projectId, instanceKey: 'f1', definitionName: 'sleeper', definitionVersion: '1', input: { ms: 1500 } })
    const waiting = await startRun(t.pool, { projectId, instanceKey: 'f2', definitionName: 'approval', definitionVersion: '1', input: { timeout: '1h' } })
    await waitForStatus(t.pool, waiting.run_id, 'waiting')
    const { rows } = await t.pool.query(
      `select count(pg_terminate_backend(pid))::int as killed from pg_stat_activity
       where datname = current_database() and application_name like '%engine-fault-test%'`,
    )
    assert.ok(rows[0].killed > 0, 'some worker connections were terminated')
    await new Promise((r) => setTimeout(r, 300))
    await signalRun(t.pool, projectId, waiting.run_id, 'approve', { ok: true })
    assert.equal((await waitForStatus(t.pool, waiting.run_id, 'completed', 30_000)).result, 'approved')
    assert.equal((await waitForStatus(t.pool, sleeping.run_id, 'completed', 30_000)).result, 'woke')
    const three = await startRun(t.pool, { projectId, instanceKey: 'f3', definitionName: 'three-steps', definitionVersion: '1', input: { name: 'after' } })
    assert.deepEqual((await waitForStatus(t.pool, three.run_id, 'completed', 30_000)).result, ['hello after', 'hello b', 'hello c'])
  })
})
