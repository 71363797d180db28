import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { defineActivity, defineWorkflow, startWorker, type Worker } from '../../src/index.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { waitForStatus } from './helpers.js'

// The engine embedded in an application's process through the package's public API.

const shout = defineActivity('embed.shout', async (s: string) => s.toUpperCase())
const greet = defineWorkflow({ name: 'embed-greet', version: '1' }, async (ctx, name: string) => `${await ctx.activity(shout, `hello ${name}`)}!`)

describe('startWorker (the engine in the application process)', () => {
  let t: TestDatabase
  let worker: Worker
  let projectId: string

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'embedded')).id
    worker = await startWorker({ databaseUrl: t.url, definitions: [shout, greet], concurrency: 4 })
  })
  after(async () => {
    await worker?.stop()
    await t.drop()
  })

  it('starts a run here, runs it here, and commits its first decision with the run', async () => {
    const { run_id, trace_id } = await worker.start({ projectId, instanceKey: 'embed-1', definitionName: 'embed-greet', definitionVersion: '1', input: 'ada' })
    assert.equal(trace_id, `engine:${run_id}`)
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 'HELLO ADA!')
    const { rows } = await t.pool.query(`select count(distinct xmin::text)::int as txs from engine.history where run_id = $1`, [run_id])
    assert.equal(rows[0].txs, 2, 'start + first decision, then the completion with the run end')
  })

  it('refuses a reused instance key with instance_conflict', async () => {
    await assert.rejects(worker.start({ projectId, instanceKey: 'embed-1', definitionName: 'embed-greet', definitionVersion: '1', input: 'bob' }), { code: 'instance_conflict' })
  })

  it('needs a database to work on', async () => {
    await assert.rejects(startWorker({ definitions: [greet] }), /databaseUrl or pool/)
  })
})
