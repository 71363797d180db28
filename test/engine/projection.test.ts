import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { defineActivity, defineWorkflow, Registry } from '../../src/engine/definitions.js'
import { cancelRun, startRun, terminateRun } from '../../src/engine/control.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { waitForStatus } from './helpers.js'
import * as wf from './workflows.fixture.js'

// Invariant 5: runs are mirrored into traces/spans/span_events in the same transaction as history.

let flakyCalls = 0
const flaky = defineActivity('flaky-tool', async () => {
  if (++flakyCalls < 3) throw Object.assign(new Error('rate limited'), { code: 'rate_limited' })
  return 'finally'
})
const usesFlaky = defineWorkflow({ name: 'uses-flaky', version: '1' }, async (ctx) => {
  await ctx.sleep(10)
  return ctx.activity(flaky, {}, { retry: { maxAttempts: 5, initialInterval: 20 } })
})

const refuses = defineActivity('refuses', async () => {
  throw Object.assign(new Error('refused for good'), { nonRetryable: true })
})
const failsAfterRetries = defineWorkflow({ name: 'fails-after-retries', version: '1' }, async (ctx) => {
  await ctx.activity(wf.greet, { name: 'first' })
  return ctx.activity(refuses, {})
})

// Ends in its first activation: started in the worker's process, its start and end are one flush.
const instant = defineWorkflow({ name: 'instant', version: '1' }, async () => 'done at once')

describe('projection of runs into the trace tables', () => {
  let t: TestDatabase
  let worker: EngineWorker
  let projectId: string

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'projection')).id
    worker = await startEngineWorker({ pool: t.pool, registry: new Registry([flaky, usesFlaky, refuses, failsAfterRetries, instant, ...Registry.fromModule(wf).workflows.values(), wf.greet]), logger: silentLogger, pollInterval: 300 })
  })
  after(async () => {
    await worker?.stop()
    await t.drop()
  })

  it('a run becomes a trace with a root span and one span per activity attempt', async () => {
    const { run_id, trace_id } = await startRun(t.pool, { projectId, instanceKey: 'proj-1', definitionName: 'uses-flaky', definitionVersion: '1', input: { q: 1 } })
    await waitForStatus(t.pool, run_id, 'completed')
    const { rows: traces } = await t.pool.query(`select * from traces where trace_id = $1`, [trace_id])
    assert.equal(traces.length, 1)
    assert.equal(traces[0].status, 'completed')
    assert.equal(traces[0].engine_run_id, run_id)
    assert.equal(traces[0].engine_run_status, 'completed')
    assert.equal(traces[0].output, 'finally')
    const { rows: spans } = await t.pool.query(`select span_id, parent_span_id, status, type from spans where trace_id = $1 order by start_time, span_id`, [traces[0].id])
    const attempts = spans.filter((s) => s.span_id.startsWith(`engine:activity:${run_id}`))
    assert.deepEqual(attempts.map((s) => s.status), ['failed', 'failed', 'completed'], 'retries are visible as failed attempt spans')
    assert.ok(attempts.every((s) => s.parent_span_id === `engine:root:${run_id}`))
    assert.deepEqual(spans.find((s) => s.span_id === `engine:root:${run_id}`), { span_id: `engine:root:${run_id}`, parent_span_id: null, status: 'completed', type: 'chain' })
    const { rows: events } = await t.pool.query(`select event_type, payload from span_events where trace_id = $1 order by sequence`, [traces[0].id])
    assert.ok(events.some((e) => e.event_type === 'wait' && e.payload.wait_kind === 'timer' && e.payload.phase === 'resolved'))
  })

  it('the trace tables are never behind history or the run status (checked in consistent snapshots while runs move)', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => startRun(t.pool, { projectId, instanceKey: `snap-${i}`, definitionName: 'three-steps', definitionVersion: '1', input: { name: `${i}` } })))
    const behind = async () => {
      const client = await t.pool.connect()
      try {
        await client.query('begin isolation level repeatable read')
        const { rows } = await client.query(
          `select r.id, r.last_seq, r.status, (select max((e.payload->>'engine_sequence_no')::int) from span_events e join traces tr on tr.id = e.trace_id
             where tr.engine_run_id = r.id) as projected, (select tr.engine_run_status from traces tr where tr.engine_run_id = r.id) as trace_status
           from engine.runs r`,
        )
        await client.query('commit')
        // Behind: history not yet mirrored, or the trace showing another status than the run.
        return rows.filter((r) => r.projected !== r.last_seq || r.trace_status !== r.status)
      } finally {
        client.release()
      }
    }
    for (let i = 0; i < 30; i++) {
      assert.deepEqual(await behind(), [])
      await new Promise((r) => setTimeout(r, 20))
    }
    for (const r of runs) await waitForStatus(t.pool, r.run_id, 'completed')
    assert.deepEqual(await behind(), [])
  })

  it("a trace's totals at its run's end match its spans and events, however the run ended", async () => {
    flakyCalls = 0
    const start = (instanceKey: string, definitionName: string, input: unknown) => startRun(t.pool, { projectId, instanceKey, definitionName, definitionVersion: '1', input })
    const completed = await start('totals-completed', 'uses-flaky', {})
    const failed = await start('totals-failed', 'fails-after-retries', {})
    // slow-flow's activity has no worker here: its span is still running when the run is cancelled.
    const cancelled = await start('totals-cancelled', 'slow-flow', { ms: 60_000 })
    const terminated = await start('totals-terminated', 'three-steps', { name: 'x' })
    await terminateRun(t.pool, projectId, terminated.run_id)
    await waitForStatus(t.pool, cancelled.run_id, 'waiting')
    await cancelRun(t.pool, projectId, cancelled.run_id)
    for (const [run, status] of [[completed, 'completed'], [failed, 'failed'], [cancelled, 'cancelled']] as const) await waitForStatus(t.pool, run.run_id, status)
    const { rows } = await t.pool.query(
      `select tr.engine_run_status as status, tr.total_spans, tr.error_count, tr.rolled_up_version = tr.version as rolled_up,
         (select count(*)::int from spans s where s.trace_id = tr.id) as spans,
         (select count(*)::int from spans s where s.trace_id = tr.id and s.status = 'failed')
           + (select count(*)::int from span_events e where e.trace_id = tr.id and e.event_type in ('error', 'exception')) as errors,
         (select count(*)::int from spans s where s.trace_id = tr.id and s.status = 'running') as running
       from traces tr where tr.engine_run_id = any($1::uuid[]) order by tr.engine_run_status`,
      [[completed, failed, cancelled, terminated].map((r) => r.run_id)],
    )
    assert.deepEqual(rows.map((r) => r.status), ['cancelled', 'completed', 'failed', 'terminated'])
    for (const r of rows) {
      assert.deepEqual({ total_spans: r.total_spans, error_count: r.error_count, rolled_up: r.rolled_up, running: r.running }, { total_spans: r.spans, error_count: r.errors, rolled_up: true, running: 0 }, r.status)
    }
    // Each shape has errors to count: failed attempts, a failed activity, a cancelled and a terminated root.
    assert.deepEqual(rows.map((r) => r.error_count > 0), [true, true, true, true])
  })

  it('a run whose start and end are one flush gets its trace and totals too', async () => {
    const { run_id } = await worker.start({ projectId, instanceKey: 'totals-instant', definitionName: 'instant', definitionVersion: '1', input: null })
    await waitForStatus(t.pool, run_id, 'completed')
    const { rows } = await t.pool.query(
      `select tr.status, tr.total_spans, tr.error_count, tr.rolled_up_version = tr.version as rolled_up, tr.change_seq > 0 as numbered,
         (select count(*)::int from spans s where s.trace_id = tr.id) as spans
       from traces tr where tr.engine_run_id = $1`,
      [run_id],
    )
    assert.deepEqual(rows, [{ status: 'completed', total_spans: 1, error_count: 0, rolled_up: true, numbered: true, spans: 1 }])
  })

  it('terminate closes the trace as failed and keeps engine status in sync', async () => {
    const { run_id, trace_id } = await startRun(t.pool, { projectId, instanceKey: 'term-proj', definitionName: 'approval', definitionVersion: '1', input: { timeout: '1h' } })
    await waitForStatus(t.pool, run_id, 'waiting')
    await terminateRun(t.pool, projectId, run_id)
    const { rows } = await t.pool.query(`select status, engine_run_status, output from traces where trace_id = $1`, [trace_id])
    assert.deepEqual(rows[0], { status: 'failed', engine_run_status: 'terminated', output: { error_code: 'terminated', error_message: 'run terminated by operator', status: 'terminated' } })
  })
})
