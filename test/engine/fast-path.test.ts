import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { lockRun, wakeRun, withTx } from '../../src/db/engine-store.js'
import { signalRun, startRun } from '../../src/engine/control.js'
import { defineActivity, defineWorkflow, Registry } from '../../src/engine/definitions.js'
import { deliverSignal } from '../../src/engine/lifecycle.js'
import { replayRuns } from '../../src/engine/replay-check.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { createLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { assertHistoryContiguous, assertOneOutcomePerActivity, waitFor, waitForStatus } from './helpers.js'

// The engine's fast path: a run started in a worker process commits its first decision with the
// start, and an activity completion commits together with the decision it leads to. Rows written
// by one transaction share xmin, which is how these tests see what committed together.

const double = defineActivity('fast.double', async (n: number) => n * 2)
const chain = defineWorkflow({ name: 'fast-chain', version: '1' }, async (ctx, n: number) => {
  const a = await ctx.activity(double, n)
  const b = await ctx.activity(double, a)
  return ctx.activity(double, b)
})

// Keys in an order jsonb does not keep (it stores shorter keys first), and a Date jsonb cannot hold.
const unordered = defineActivity('fast.unordered', async () => ({ zeta: 1, a: 2, bb: 3, '10': 4, '2': 5, at: new Date(0) }))
const perKey = defineWorkflow({ name: 'fast-per-key', version: '1' }, async (ctx) => {
  const obj = await ctx.activity(unordered, null)
  const seen: string[] = []
  // One command per key, in the order the workflow sees the keys: replay must see the same order.
  for (const key of Object.keys(obj)) seen.push(`${key}:${await ctx.activity(double, key.length)}`)
  return { seen, at: typeof obj.at }
})

const signalStep = defineWorkflow({ name: 'fast-signal-step', version: '1' }, async (ctx) => ctx.activity(double, (await ctx.signal<number>('go'))!))

let release: () => void = () => {}
const gate = defineActivity('fast.gate', async () => {
  await new Promise<void>((resolve) => (release = resolve))
  return 'opened'
})
const lingering = defineWorkflow({ name: 'fast-lingering-child', version: '1' }, async (ctx) => {
  await ctx.sleep('1h')
  return 'woke'
})
// Ends with its child still running: the child's close policy (cancel) must be applied.
const leavesChild = defineWorkflow({ name: 'fast-leaves-child', version: '1' }, async (ctx) => {
  void ctx.child(lingering, null).catch(() => {})
  await ctx.activity(double, 1)
  return ctx.activity(double, 21)
})
const gateOnly = defineWorkflow({ name: 'fast-gate-only', version: '1' }, async (ctx) => ctx.activity(gate, null))
const gateAndSignal = defineWorkflow({ name: 'fast-gate-signal', version: '1' }, async (ctx) => {
  const [opened, note] = await Promise.all([ctx.activity(gate, null), ctx.signal<string>('note')])
  return `${opened}+${note}`
})

// One gate per key, so a test can let chosen runs' activities finish.
const gates = new Map<string, () => void>()
const keyedGate = defineActivity('fast.keyed-gate', async (key: string) => {
  await new Promise<void>((resolve) => gates.set(key, resolve))
  return key
})
const gateThenStep = defineWorkflow({ name: 'fast-gate-then-step', version: '1' }, async (ctx, key: string) => {
  const opened = await ctx.activity(keyedGate, key)
  return `${opened}:${await ctx.activity(double, 1)}`
})

describe('engine fast path: one transaction per step', () => {
  let t: TestDatabase
  let worker: EngineWorker
  let projectId: string
  let n = 0
  const logs: string[] = []
  const batchSizes: number[] = []
  const req = (definitionName: string, input: unknown) => ({ projectId, instanceKey: `fast-${++n}`, definitionName, definitionVersion: '1', input })

  /** History as "type@transaction" groups, in order. */
  async function commitGroups(runId: string): Promise<string[][]> {
    const { rows } = await t.pool.query<{ event_type: string; tx: string }>(
      `select event_type, xmin::text as tx from engine.history where run_id = $1 order by sequence_no`,
      [runId],
    )
    const groups: string[][] = []
    let last = ''
    for (const r of rows) {
      if (r.tx !== last) groups.push([])
      groups.at(-1)!.push(r.event_type)
      last = r.tx
    }
    return groups
  }

  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'fast-path')).id
    const logger = createLogger({ level: 'info', format: 'json', stream: new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }) })
    worker = await startEngineWorker({
      pool: t.pool,
      registry: new Registry([double, chain, unordered, perKey, gate, gateOnly, gateAndSignal, signalStep, lingering, leavesChild, keyedGate, gateThenStep]),
      logger,
      pollInterval: 300,
      onStepBatch: (size) => batchSizes.push(size),
    })
  })
  after(async () => {
    await worker?.stop()
    await t.drop()
  })

  it('a run started in the worker process commits its first decision with the start, and each completion with the next decision', async () => {
    const { run_id } = await worker.start(req('fast-chain', 3))
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 24)
    assert.deepEqual(await commitGroups(run_id), [
      ['workflow.started', 'activity.scheduled'],
      ['activity.completed', 'activity.scheduled'],
      ['activity.completed', 'activity.scheduled'],
      ['activity.completed', 'workflow.completed'],
    ])
    // The trace moved in the same transactions as the history it mirrors.
    const { rows } = await t.pool.query(
      `select count(distinct e.xmin::text)::int as txs from span_events e join traces tr on tr.id = e.trace_id where tr.engine_run_id = $1`,
      [run_id],
    )
    assert.equal(rows[0].txs, 4)
    // The trace's totals are there when the run ends, with no rollup job to wait for.
    const [trace] = (
      await t.pool.query(`select total_spans, error_count, rolled_up_version = version as rolled_up from traces where engine_run_id = $1`, [run_id])
    ).rows
    assert.deepEqual(trace, { total_spans: 4, error_count: 0, rolled_up: true })
  })

  it('a run started from elsewhere still works through the queue, and the worker folds its completions', async () => {
    const { run_id } = await startRun(t.pool, req('fast-chain', 1))
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 8)
    const groups = await commitGroups(run_id)
    assert.deepEqual(groups[0], ['workflow.started'])
    assert.deepEqual(groups.at(-1), ['activity.completed', 'workflow.completed'])
  })

  it('workflow code sees an activity result exactly as a replay reads it back from jsonb', async () => {
    const { run_id } = await worker.start(req('fast-per-key', null))
    const done = await waitForStatus(t.pool, run_id, 'completed')
    // jsonb order: integer-like keys first (JavaScript's own rule), then shorter keys first.
    assert.deepEqual(done.result, { seen: ['2:2', '10:4', 'a:2', 'at:4', 'bb:4', 'zeta:8'], at: 'string' })
    const [report] = await replayRuns(t.pool, new Registry([double, unordered, perKey]), { runId: run_id, limit: 1 })
    assert.equal(report?.verdict, 'ok', report?.detail)
  })

  /**
   * Runs `body` while the next history insert of `eventType` fails once, and returns how often the
   * trigger was consulted (a sequence is not rolled back with the failing transaction).
   */
  async function withFaultOnce(eventType: string, body: () => Promise<void>): Promise<number> {
    await t.pool.query(`
      create sequence fast_fault;
      create function fast_fault() returns trigger language plpgsql as $$
      begin
        if new.event_type = '${eventType}' and nextval('fast_fault') = 1 then raise exception 'injected fault'; end if;
        return new;
      end $$;
      create trigger fast_fault before insert on engine.history for each row execute function fast_fault();`)
    try {
      await body()
      return Number((await t.pool.query(`select last_value from fast_fault`)).rows[0].last_value)
    } finally {
      await t.pool.query(`drop trigger fast_fault on engine.history; drop function fast_fault(); drop sequence fast_fault`)
    }
  }

  it('an activation whose commit fails leaves no stale execution behind: the retry replays and the run ends right', async () => {
    const { run_id } = await worker.start(req('fast-signal-step', null))
    await waitForStatus(t.pool, run_id, 'waiting')
    const tries = await withFaultOnce('activity.scheduled', async () => {
      // The signal's activation runs on the worker's live execution; its commit fails; graphile retries the job.
      await signalRun(t.pool, projectId, run_id, 'go', 7)
      assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 14)
    })
    assert.ok(tries >= 2, 'the fault fired, and a later commit went through')
    await assertHistoryContiguous(t.pool)
  })

  it('an activity outcome whose commit fails is recorded on a later try, not left on a claimed task', async () => {
    const tries = await withFaultOnce('activity.completed', async () => {
      const { run_id } = await worker.start(req('fast-chain', 5))
      assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 40)
    })
    assert.ok(tries >= 2, 'the fault fired, and a later commit went through')
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
  })

  it('a run that ends with a child still open ends through the checked path, which applies the close policy', async () => {
    const { run_id } = await worker.start(req('fast-leaves-child', null))
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 42)
    // Every completion folded, the one after the child's start too; the end was speculated as one
    // statement, refused there (an open child), and committed by the checked path.
    assert.deepEqual(await commitGroups(run_id), [
      ['workflow.started', 'child_workflow.scheduled', 'activity.scheduled', 'child_workflow.started'],
      ['activity.completed', 'activity.scheduled'],
      ['activity.completed', 'workflow.completed'],
    ])
    const { rows } = await t.pool.query(`select id from engine.runs where parent_run_id = $1`, [run_id])
    await waitForStatus(t.pool, rows[0].id, 'cancelled')
  })

  it('a completion whose task was taken away meanwhile writes nothing on the one-statement path', async () => {
    const { run_id } = await worker.start(req('fast-gate-only', null))
    const task = await waitFor('the gate activity to start', async () => (await t.pool.query(`select id from engine.activity_tasks where run_id = $1 and status = 'claimed'`, [run_id])).rows[0])
    // As if the sweeper had given the task up and another worker had claimed it.
    await t.pool.query(`update engine.activity_tasks set owner = 'another-worker', attempt = attempt + 1 where id = $1`, [task.id])
    release()
    await waitFor('the result to be discarded', async () => logs.some((line) => line.includes('activity result discarded') && line.includes(task.id)))
    const { rows: history } = await t.pool.query(`select event_type from engine.history where run_id = $1 order by sequence_no`, [run_id])
    assert.deepEqual(history.map((r) => r.event_type), ['workflow.started', 'activity.scheduled'])
    const { rows: tasks } = await t.pool.query(`select status, owner, output from engine.activity_tasks where id = $1`, [task.id])
    assert.deepEqual(tasks, [{ status: 'claimed', owner: 'another-worker', output: null }])
    const { rows: runs } = await t.pool.query(`select status, last_seq from engine.runs where id = $1`, [run_id])
    assert.deepEqual(runs, [{ status: 'waiting', last_seq: 2 }])
  })

  it('a signal that arrives while the activity runs makes the completion commit alone, and the run still ends right', async () => {
    const { run_id } = await worker.start(req('fast-gate-signal', null))
    await waitFor('the gate activity to start', async () => (await t.pool.query(`select 1 from engine.activity_tasks where run_id = $1 and status = 'claimed'`, [run_id])).rows[0])
    // The signal commits while the completion is waiting for the run: the completion then meets it
    // in the run's history (had the signal's activation run first, the completion would have folded).
    await withTx(t.pool, async (c) => {
      const run = (await lockRun(c, run_id))!
      await deliverSignal(c, run, 'note', 'hi')
      await wakeRun(c, run)
      release()
      await waitFor('the completion to wait for the run', async () =>
        Number((await t.pool.query(`select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`)).rows[0].count) > 0)
    })
    assert.equal((await waitForStatus(t.pool, run_id, 'completed')).result, 'opened+hi')
    const groups = await commitGroups(run_id)
    const completed = groups.find((g) => g.includes('activity.completed'))
    assert.deepEqual(completed, ['activity.completed'], 'the speculative decision was dropped; the completion was recorded on its own')
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
  })
  it('steps of many runs ready at once commit together, each with its own history and trace rows', async () => {
    batchSizes.length = 0
    const started = await Promise.all(Array.from({ length: 40 }, (_, i) => worker.start(req('fast-chain', i))))
    for (const [i, r] of started.entries()) assert.equal((await waitForStatus(t.pool, r.run_id, 'completed')).result, i * 8)
    assert.ok(Math.max(...batchSizes) > 1, `some statement carried several runs' steps (sizes: ${batchSizes.join(', ')})`)
    for (const r of started.slice(0, 5)) {
      assert.deepEqual(await commitGroups(r.run_id), [
        ['workflow.started', 'activity.scheduled'],
        ['activity.completed', 'activity.scheduled'],
        ['activity.completed', 'activity.scheduled'],
        ['activity.completed', 'workflow.completed'],
      ])
    }
    // Every run's trace: the root span and three closed activity spans, and events mirroring each step.
    const { rows } = await t.pool.query(
      `select tr.total_spans, (select count(*)::int from spans s where s.trace_id = tr.id and s.status = 'completed') as closed,
         (select count(distinct (e.payload->>'engine_sequence_no'))::int from span_events e where e.trace_id = tr.id) as mirrored
       from traces tr where tr.engine_run_id = any($1::uuid[])`,
      [started.map((r) => r.run_id)],
    )
    assert.equal(rows.length, 40)
    for (const row of rows) assert.deepEqual(row, { total_spans: 4, closed: 4, mirrored: 8 })
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
  })

  it('in a group commit, a step whose task was taken away writes nothing and the others commit', async () => {
    const keys = ['held-1', 'held-2', 'taken', 'fine'].map((k) => `${k}-${n}`)
    const runs = await Promise.all(keys.map((key) => worker.start(req('fast-gate-then-step', key))))
    await waitFor('every gate to be waiting', async () => keys.every((k) => gates.has(k)))
    const runOf = (i: number) => runs[i]!.run_id
    // Hold two statements in flight (both statement slots), so the next two steps queue for one statement.
    const blocker = await t.pool.connect()
    try {
      await blocker.query('begin')
      await blocker.query('select id from engine.runs where id = any($1::uuid[]) for update', [[runOf(0), runOf(1)]])
      gates.get(keys[0]!)!()
      gates.get(keys[1]!)!()
      await waitFor('both held steps to wait on the lock', async () =>
        Number((await t.pool.query(`select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%json_to_recordset($1::json) as x(i int%'`)).rows[0].count) === 2)
      // As if the sweeper had given the task up and another worker had claimed it.
      const { rows: taken } = await t.pool.query(`update engine.activity_tasks set owner = 'another-worker', attempt = attempt + 1 where run_id = $1 and status = 'claimed' returning id`, [runOf(2)])
      batchSizes.length = 0
      gates.get(keys[2]!)!()
      gates.get(keys[3]!)!()
      await waitFor('both steps to queue', async () => worker.dispatcher.queuedSteps === 2)
      await blocker.query('commit')
      await waitFor('the taken result to be discarded', async () => logs.some((line) => line.includes('activity result discarded') && line.includes(taken[0].id)))
      assert.ok(batchSizes.includes(2), `the queued steps went in one statement (sizes: ${batchSizes.join(', ')})`)
    } finally {
      blocker.release()
    }
    for (const i of [0, 1, 3]) assert.equal((await waitForStatus(t.pool, runOf(i), 'completed')).result, `${keys[i]}:2`)
    const { rows: history } = await t.pool.query(`select event_type from engine.history where run_id = $1 order by sequence_no`, [runOf(2)])
    assert.deepEqual(history.map((r) => r.event_type), ['workflow.started', 'activity.scheduled'])
    const { rows: task } = await t.pool.query(`select status, owner, output from engine.activity_tasks where run_id = $1`, [runOf(2)])
    assert.deepEqual(task, [{ status: 'claimed', owner: 'another-worker', output: null }])
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
  })
})
