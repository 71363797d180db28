import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { ActivityWorker, ContinuaApiError, EngineClient, NonRetryableError, RunNotTerminalError } from '../../sdks/typescript/src/index.js'
import { ROOT } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startFaultProxy, waitFor } from './helpers.js'
import * as wf from './workflows.fixture.js'

// The TypeScript SDK's engine half: the control client and a remote activity worker, against the
// real REST API with a real engine worker running the workflows.

const quiet = { debug() {}, warn() {}, error() {} }

describe('TypeScript SDK: engine control and remote activity worker', () => {
  let t: TestDatabase
  let server: TestServer
  let engine: EngineWorker
  let key: string
  let client: EngineClient

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'sdk-engine')).api_key
    engine = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, concurrency: 4, pollInterval: 200 })
    server = await startTestServer(t.db)
    client = new EngineClient({ apiKey: key, endpoint: server.url })
  })
  after(async () => {
    await server?.close()
    await engine?.stop()
    await t?.drop()
  })

  const startGreeting = (instance: string, name: string) =>
    client.start({ instanceKey: instance, definitionName: wf.remoteGreeting.name, definitionVersion: '1', input: { name } })
  const waitStatus = (runId: string, status: string) => waitFor(`run ${status}`, async () => ((await client.getRun(runId)).status === status ? true : undefined))

  it('start (deduped by request key), signal, pending work, suspend/resume, result and history', async () => {
    const started = await client.start({ instanceKey: 'appr-1', definitionName: 'sdk-approval', definitionVersion: '1', input: { timeout: '1h' } })
    assert.deepEqual(await client.start({ instanceKey: 'appr-1', definitionName: 'sdk-approval', definitionVersion: '1', input: { timeout: '1h' } }), started)
    await waitStatus(started.run_id, 'WAITING')
    await assert.rejects(client.result(started.run_id), (err) => err instanceof RunNotTerminalError && err.status === 409)
    const pending = await client.pendingWork(started.run_id)
    assert.equal((pending.current_wait as { kind: string }).kind, 'signal')
    assert.equal((await client.suspend(started.run_id)).status, 'SUSPENDED')
    assert.notEqual((await client.resume(started.run_id)).status, 'SUSPENDED')
    const keyed = await client.signal(started.run_id, 'approve', { ok: true }, { requestKey: 'approve-1' })
    assert.equal(keyed.accepted, true)
    const done = await client.waitForTerminal(started.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })
    assert.equal(done.status, 'COMPLETED')
    assert.equal((await client.result(started.run_id)).result, 'approved')
    const history = await client.history(started.run_id, { limit: 2 })
    assert.equal(history.events.length, 2)
    assert.equal(history.has_more, true)
    const rest = await client.history(started.run_id, { after: history.next_after })
    assert.equal(rest.events.at(-1)!.event_type, 'workflow.completed')
    assert.equal((await client.getInstance('appr-1')).instance_key, 'appr-1')
    await assert.rejects(client.signal(started.run_id, 'approve'), (err) => err instanceof ContinuaApiError && err.code === 'run_terminal')
    // The same key after the run ended replays the first answer instead of refusing.
    assert.deepEqual(await client.signal(started.run_id, 'approve', { ok: true }, { requestKey: 'approve-1' }), keyed)
  })

  it('cancel and terminate', async () => {
    const c = await client.start({ instanceKey: 'cancel-1', definitionName: 'sdk-cancellable', definitionVersion: '1' })
    await waitStatus(c.run_id, 'WAITING')
    await client.cancel(c.run_id)
    assert.equal((await client.waitForTerminal(c.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })).status, 'CANCELLED')
    const k = await client.start({ instanceKey: 'term-1', definitionName: 'sdk-approval', definitionVersion: '1', input: { timeout: '1h' } })
    await waitStatus(k.run_id, 'WAITING')
    const terminated = await client.terminate(k.run_id)
    assert.equal(terminated.status, 'TERMINATED')
    assert.equal(terminated.failure!.error_code, 'terminated')
  })

  it('waitForTerminal follows continue-as-new to the last run', async () => {
    const first = await client.start({ instanceKey: 'count-1', definitionName: 'sdk-counter', definitionVersion: '1', input: { left: 2, got: [] } })
    await waitStatus(first.run_id, 'WAITING')
    await client.signal(first.run_id, 'tick', 'a')
    const next = await waitFor('continuation', async () => (await client.getRun(first.run_id)).continued_to_run_id)
    await waitStatus(next, 'WAITING')
    await client.signal(next, 'tick', 'b')
    const last = await client.waitForTerminal(first.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })
    assert.equal(last.run_id, next)
    assert.equal(last.status, 'COMPLETED')
    assert.deepEqual(last.result, ['a', 'b'])
    const noFollow = await client.waitForTerminal(first.run_id, { followContinuations: false })
    assert.equal(noFollow.status, 'CONTINUED_AS_NEW')
  })

  it('a remote worker claims only its types, heartbeats while working, completes and retries failures', async () => {
    const proxy = await startFaultProxy(server.url)
    const attempts: Record<string, number> = {}
    const worker = new ActivityWorker({
      apiKey: key,
      endpoint: proxy.url,
      pollIntervalMs: 50,
      heartbeatIntervalMs: 100,
      handleSignals: false,
      logger: quiet,
      activities: {
        'compose-greeting': async (input: { name: string }, ctx) => {
          attempts[input.name] = (attempts[input.name] ?? 0) + 1
          assert.equal(ctx.activityType, 'compose-greeting')
          if (input.name === 'slow') await new Promise((r) => setTimeout(r, 450))
          if (input.name === 'flaky' && attempts[input.name] === 1) throw Object.assign(new Error('upstream hiccup'), { code: 'upstream_timeout' })
          if (input.name === 'hopeless') throw new NonRetryableError('cannot greet', 'bad_name')
          return `hello ${input.name}`
        },
      },
    })
    const running = worker.run()
    try {
      const slow = await startGreeting('greet-slow', 'slow')
      const flaky = await startGreeting('greet-flaky', 'flaky')
      const hopeless = await startGreeting('greet-hopeless', 'hopeless')
      const results = await Promise.all([slow, flaky, hopeless].map((r) => client.waitForTerminal(r.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })))
      assert.deepEqual(results.map((r) => r.status), ['COMPLETED', 'COMPLETED', 'FAILED'])
      assert.deepEqual([results[0]!.result, results[1]!.result], ['hello slow', 'hello flaky'])
      assert.equal(attempts.flaky, 2, 'a retryable failure is retried by the engine')
      assert.equal(attempts.hopeless, 1, 'a NonRetryableError is not')
      const beats = proxy.seen.filter((p) => p.endsWith('/heartbeat')).length
      assert.ok(beats >= 3, `the slow task heartbeated (${beats} times)`)
      const failed = await t.pool.query(`select payload from engine.history where run_id = $1 and event_type = 'activity.retry_scheduled'`, [flaky.run_id])
      assert.match(JSON.stringify(failed.rows[0]?.payload), /upstream_timeout|upstream hiccup/)
    } finally {
      await worker.stop()
      await running
      await proxy.close()
    }
  })

  it('heartbeats at under a third of the granted lease, even when asked for a longer interval', async () => {
    await t.pool.query(`update engine.activity_tasks set status = 'cancelled' where status in ('queued', 'claimed')`)
    const proxy = await startFaultProxy(server.url)
    // Pretend the server granted a 600 ms lease: beats must then come at least every 199 ms.
    proxy.rewrite = (p, body) => (p.endsWith('/claim') ? { tasks: body.tasks.map((x: object) => ({ ...x, effective_lease_duration_ms: 600 })) } : body)
    const beats: number[] = []
    const worker = new ActivityWorker({
      apiKey: key,
      endpoint: proxy.url,
      pollIntervalMs: 50,
      heartbeatIntervalMs: 60_000,
      handleSignals: false,
      logger: quiet,
      activities: { 'compose-greeting': async () => new Promise((r) => setTimeout(() => r('ok'), 1500)) },
    })
    const origPush = proxy.seen.push.bind(proxy.seen)
    proxy.seen.push = (...items: string[]) => {
      for (const i of items) if (i.endsWith('/heartbeat')) beats.push(Date.now())
      return origPush(...items)
    }
    const run = await startGreeting('greet-beat', 'beat')
    const running = worker.run()
    try {
      await client.waitForTerminal(run.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })
    } finally {
      await worker.stop()
      await running
      await proxy.close()
    }
    // Asked for 60 s, the worker beats every 150 ms (a quarter of the lease); on a loaded machine
    // fewer arrive, but none may be a lease apart.
    assert.ok(beats.length >= 3, `${beats.length} heartbeats in 1500 ms`)
    const gaps = beats.slice(1).map((b, i) => b - beats[i]!)
    assert.ok(gaps.every((g) => g < 600), `gaps ${gaps.join(', ')} ms stay under the 600 ms lease`)
  })

  it('runs at most `concurrency` tasks at once and claims no more than its free slots', async () => {
    await t.pool.query(`update engine.activity_tasks set status = 'cancelled' where status in ('queued', 'claimed')`)
    let inFlight = 0
    let peak = 0
    const worker = new ActivityWorker({
      apiKey: key,
      endpoint: server.url,
      concurrency: 2,
      pollIntervalMs: 20,
      handleSignals: false,
      logger: quiet,
      activities: {
        'compose-greeting': async (input: { name: string }) => {
          peak = Math.max(peak, ++inFlight)
          const claimed = Number((await t.pool.query(`select count(*) from engine.activity_tasks where status = 'claimed' and owner = $1`, [worker.workerId])).rows[0].count)
          assert.ok(claimed <= 2, `${claimed} tasks claimed by a worker with 2 slots`)
          await new Promise((r) => setTimeout(r, 150))
          inFlight--
          return input.name
        },
      },
    })
    const runs = await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map((n) => startGreeting(`conc-${n}`, n)))
    const running = worker.run()
    try {
      const results = await Promise.all(runs.map((r) => client.waitForTerminal(r.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })))
      assert.deepEqual(results.map((r) => r.result), ['c1', 'c2', 'c3', 'c4', 'c5'])
    } finally {
      await worker.stop()
      await running
    }
    assert.equal(peak, 2)
    assert.equal(worker.stats.completed, 5)
  })

  it('a lost lease aborts the handler and discards its result', async () => {
    let aborted = false
    const worker = new ActivityWorker({
      apiKey: key,
      endpoint: server.url,
      pollIntervalMs: 50,
      handleSignals: false,
      logger: quiet,
      activities: {
        'compose-greeting': async (_input, ctx) => {
          await t.pool.query(`update engine.activity_tasks set owner = 'someone-else' where id = $1`, [ctx.taskId])
          await ctx.heartbeat()
          aborted = ctx.signal.aborted
          return 'too late'
        },
      },
    })
    const run = await startGreeting('greet-lost', 'lost')
    const running = worker.run()
    await waitFor('lease loss', async () => worker.stats.leaseLost === 1)
    await worker.stop()
    await running
    assert.equal(aborted, true)
    assert.equal(worker.stats.completed, 0)
    const task = await t.pool.query(`select status from engine.activity_tasks where run_id = $1`, [run.run_id])
    assert.equal(task.rows[0].status, 'claimed', 'the result of the worker that lost the lease was not recorded')
  })

  it('stop() is graceful: no new claims, running tasks finish and are reported', async () => {
    let started = false
    const worker = new ActivityWorker({
      apiKey: key,
      endpoint: server.url,
      pollIntervalMs: 50,
      handleSignals: false,
      logger: quiet,
      activities: {
        'compose-greeting': async (input: { name: string }) => {
          started = true
          await new Promise((r) => setTimeout(r, 300))
          return `bye ${input.name}`
        },
      },
    })
    await t.pool.query(`update engine.activity_tasks set status = 'cancelled' where status in ('queued', 'claimed')`)
    const run = await startGreeting('greet-stop', 'stop')
    const running = worker.run()
    await waitFor('task start', async () => started)
    await worker.stop()
    await running
    assert.equal(worker.activeTasks, 0)
    assert.equal(worker.stats.completed, 1)
    assert.equal((await client.waitForTerminal(run.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })).result, 'bye stop')
    const second = await startGreeting('greet-after-stop', 'x')
    await new Promise((r) => setTimeout(r, 300))
    assert.equal((await client.getRun(second.run_id)).status, 'WAITING', 'a stopped worker claims nothing')
  })

  it('a worker stopped mid-task lets its process exit at once', async () => {
    await t.pool.query(`update engine.activity_tasks set status = 'cancelled' where status in ('queued', 'claimed')`)
    const run = await startGreeting('greet-exit', 'exit')
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'sdk', 'fixtures', 'worker-stop.ts')], {
      cwd: ROOT,
      env: { ...process.env, CONTINUA_API_KEY: key, CONTINUA_ENDPOINT: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const exitedAt = Date.now()
    assert.equal(code, 0, output)
    const stoppedAt = Number(/stopped (\d+)/.exec(output)?.[1])
    assert.ok(stoppedAt, output)
    assert.ok(exitedAt - stoppedAt < 3000, `exited ${exitedAt - stoppedAt} ms after stop() returned`)
    assert.equal((await client.waitForTerminal(run.run_id, { timeoutMs: 20_000, pollIntervalMs: 100 })).result, 'bye exit')
  })
})
