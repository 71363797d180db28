import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { seedEngineRuns } from '../../src/engine/demo.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

describe('demo engine runs for continua seed', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase()
  })
  after(async () => {
    await t.drop()
  })

  it('leaves one run in every state, and running it again changes nothing', async () => {
    const projectId = (await createProject(t.db, 'demo')).id
    const first = await seedEngineRuns(t.pool, projectId, silentLogger)
    assert.deepEqual(first.map((r) => r.state), ['completed', 'waiting', 'retrying', 'failed', 'cancelled', 'terminated', 'quarantined', 'continued_as_new'])
    const { rows } = await t.pool.query(`select id, status from engine.runs where id = any($1::uuid[])`, [first.map((r) => r.run_id)])
    const status = new Map(rows.map((r) => [r.id, r.status]))
    assert.deepEqual(
      first.map((r) => status.get(r.run_id)),
      ['completed', 'waiting', 'waiting', 'failed', 'cancelled', 'terminated', 'quarantined', 'continued_as_new'],
    )
    const count = (await t.pool.query(`select count(*)::int as n from engine.runs`)).rows[0].n
    const second = await seedEngineRuns(t.pool, projectId, silentLogger)
    assert.deepEqual(second.map((r) => r.run_id), first.map((r) => r.run_id))
    assert.equal((await t.pool.query(`select count(*)::int as n from engine.runs`)).rows[0].n, count)
  })
})
