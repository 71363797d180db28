import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { makeWorkerUtils } from 'graphile-worker'
import { startWorker } from '../src/jobs/worker.js'
import { PRUNE_TASK } from '../src/jobs/tasks/prune.js'
import { silentLogger } from '../src/logger.js'
import { createProject } from '../src/projects.js'
import { createTestDatabase, type TestDatabase } from './helpers/db.js'

describe('background worker', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase()
  })
  after(async () => {
    await t.drop()
  })

  it('runs the prune task end to end through graphile-worker', async () => {
    const project = await createProject(t.db, 'p')
    // one key revoked long ago, one revoked yesterday, one active
    await t.pool.query(
      `insert into api_keys (project_id, name, key_hash, display_prefix, revoked_at) values
       ($1, 'old', 'h-old', 'ck_old', now() - interval '90 days'),
       ($1, 'recent', 'h-recent', 'ck_recent', now() - interval '1 day')`,
      [project.id],
    )
    const runner = await startWorker({ db: t.db, pool: t.pool, logger: silentLogger, concurrency: 2, revokedKeyRetentionDays: 30 })
    const utils = await makeWorkerUtils({ pgPool: t.pool })
    try {
      const job = await utils.addJob(PRUNE_TASK, {})
      const deadline = Date.now() + 20_000
      for (;;) {
        const { rows } = await t.pool.query(`select count(*)::int as n from graphile_worker.jobs where id = $1`, [job.id])
        if (rows[0].n === 0) break
        if (Date.now() > deadline) throw new Error('job never ran')
        await new Promise((r) => setTimeout(r, 100))
      }
      const { rows } = await t.pool.query(`select name from api_keys where project_id = $1 order by name`, [project.id])
      assert.deepEqual(rows.map((r) => r.name), ['default', 'recent'])
    } finally {
      await utils.release()
      await runner.stop()
    }
  })
})
