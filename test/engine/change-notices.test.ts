import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { noticeChanges } from '../../src/db/change-notices.js'
import { defineActivity, defineWorkflow, Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { CHANGES_CHANNEL, parseNotice, type ChangeNotice } from '../../src/observe/change-feed.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { waitFor, waitForStatus } from './helpers.js'

// Engine commits announce the traces they moved just after they commit, coalesced per project
// (db/change-notices.ts), instead of a NOTIFY inside every step's transaction.

const echo = defineActivity('notice.echo', async (n: number) => n)
const steps = defineWorkflow({ name: 'notice-steps', version: '1' }, async (ctx, n: number) => ctx.activity(echo, await ctx.activity(echo, await ctx.activity(echo, n))))

describe('change notices of engine commits', () => {
  let t: TestDatabase
  let worker: EngineWorker
  let projectId: string
  let listener: pg.Client
  const notices: ChangeNotice[] = []

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'notices')).id
    listener = new pg.Client({ connectionString: t.url })
    await listener.connect()
    listener.on('notification', (m) => {
      const notice = m.channel === CHANGES_CHANNEL ? parseNotice(m.payload) : undefined
      if (notice) notices.push(notice)
    })
    await listener.query(`listen ${CHANGES_CHANNEL}`)
    worker = await startEngineWorker({ pool: t.pool, registry: new Registry([echo, steps]), logger: silentLogger, pollInterval: 300 })
  })
  after(async () => {
    await worker?.stop()
    await listener?.end()
    await t?.drop()
  })

  it("announces a run's trace after its commits, up to its last change number", async () => {
    const { run_id } = await worker.start({ projectId, instanceKey: 'notice-1', definitionName: 'notice-steps', definitionVersion: '1', input: 1 })
    await waitForStatus(t.pool, run_id, 'completed')
    const { rows } = await t.pool.query<{ id: string; last_seq: number }>(
      `select tr.id, c.last_seq::int from traces tr join trace_change_counters c on c.project_id = tr.project_id and c.trace_id = tr.trace_id
       where tr.engine_run_id = $1`,
      [run_id],
    )
    const trace = rows[0]!
    await waitFor('the run end to be announced', async () => notices.some((n) => n.projectId === projectId && n.traceIds.includes(trace.id) && n.seq === trace.last_seq))
    // Four commits (start, two steps, end); the notices that named this trace are at most as many.
    assert.ok(notices.filter((n) => n.traceIds.includes(trace.id)).length <= 4)
  })

  it('sends one notice per project for the changes queued within its window', async () => {
    const mine = (n: ChangeNotice) => n.projectId === 'project-a' || n.projectId === 'project-b'
    noticeChanges(t.pool, [
      { p: 'project-a', t: 'trace-2', s: 3 },
      { p: 'project-a', t: 'trace-1', s: 5 },
      { p: 'project-b', t: 'trace-9', s: 1 },
      { p: 'project-a', t: 'trace-2', s: 4 },
    ])
    await waitFor('both notices', async () => notices.filter(mine).length >= 2)
    await new Promise((r) => setTimeout(r, 100))
    const got = notices.filter(mine).sort((a, b) => a.projectId.localeCompare(b.projectId))
    assert.deepEqual(got, [
      { projectId: 'project-a', traceIds: ['trace-1', 'trace-2'], seq: 5 },
      { projectId: 'project-b', traceIds: ['trace-9'], seq: 1 },
    ])
  })
})
