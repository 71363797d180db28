import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startWorker } from '../src/jobs/worker.js'
import { silentLogger } from '../src/logger.js'
import { createTestDatabase, type TestDatabase } from './helpers/db.js'
import { startCli } from './helpers/cli.js'

// A plain `continua worker` killed with kill -9 while holding a job: another process declares it
// dead after the timeout and releases the job (graphile-worker alone would keep it for hours).

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('background worker liveness', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase()
  })
  after(async () => {
    await t.drop()
  })

  it('releases the jobs of a killed plain worker', async () => {
    const worker = startCli(['worker'], { DATABASE_URL: t.url, CONTINUA_ENGINE_WORKER_TIMEOUT_MS: '1500' })
    await worker.waitFor(/Worker running/)
    const row = await waitFor('registry row with lock ids', async () => {
      const { rows } = await t.pool.query<{ id: string; graphile_worker_ids: string[] }>(
        `select id, graphile_worker_ids from engine.workers where id like '%:jobs' and status = 'alive' and cardinality(graphile_worker_ids) > 0`,
      )
      return rows[0]
    })
    // A job the dead worker was holding: due later (so nobody else takes it meanwhile), locked by it.
    const { rows: jobs } = await t.pool.query<{ id: string }>(
      `select id from graphile_worker.add_job('continua.maintenance.prune', '{}'::json, run_at => now() + interval '1 hour')`,
    )
    const jobId = jobs[0]!.id
    await t.pool.query(`update graphile_worker._private_jobs set locked_at = now(), locked_by = $2 where id = $1`, [jobId, row.graphile_worker_ids[0]])
    worker.child.kill('SIGKILL')
    await worker.stop()

    const survivor = await startWorker({ db: t.db, pool: t.pool, logger: silentLogger, concurrency: 1, revokedKeyRetentionDays: 30, workerTimeoutMs: 1500 })
    try {
      await waitFor('job unlocked', async () => {
        const { rows } = await t.pool.query(`select locked_at from graphile_worker._private_jobs where id = $1`, [jobId])
        return rows[0] && rows[0].locked_at === null
      })
      const { rows } = await t.pool.query(`select status from engine.workers where id = $1`, [row.id])
      assert.equal(rows[0].status, 'dead')
    } finally {
      await survivor.stop()
    }
    const { rows } = await t.pool.query(`select status from engine.workers where id like '%:jobs' and id <> $1`, [row.id])
    assert.deepEqual(rows.map((r) => r.status), ['stopped'], 'a worker that stops cleanly says so')
  })
})
