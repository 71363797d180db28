import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createProject } from '../../src/projects.js'
import { freePort, ROOT, startCli, type LongRunning } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { assertHistoryContiguous, assertOneOutcomePerActivity } from '../engine/helpers.js'
import { startServeProcess, type ServeProcess } from '../reliability/serve-process.js'
import { expectedResult } from './workflows.js'

// The chaos suite (npm run test:chaos; a short mode runs in .ci/run). Three `continua worker`
// processes and one `continua serve` on one Postgres. While N workflows run (activities, timers,
// signals, children) a random worker is kill -9'd every few seconds and restarted, every Postgres
// backend is terminated once, and the server is killed and restarted while async ingest batches
// arrive. Afterwards: every run in its expected terminal state, contiguous histories, one outcome
// per activity, no locked jobs, and every batch that got a 202 completed exactly once.
// Not a *.test.ts file, so `npm test` does not pick it up.

const MODE = process.env.CHAOS_MODE === 'full' ? 'full' : 'short'
const N = Number(process.env.CHAOS_WORKFLOWS ?? (MODE === 'full' ? 500 : 60))
const BATCHES = MODE === 'full' ? 300 : 40
const KILL_EVERY_MS = MODE === 'full' ? 4000 : 3000
const DEADLINE_MS = MODE === 'full' ? 20 * 60_000 : 150_000
const WORKFLOWS = path.join(ROOT, 'test', 'chaos', 'workflows.ts')
const T0 = '2026-05-01T10:00:00.000Z'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (...args: unknown[]) => process.stderr.write(`chaos: ${args.join(' ')}\n`)

describe(`chaos (${MODE}: ${N} workflows, ${BATCHES} async batches)`, { timeout: DEADLINE_MS + 120_000 }, () => {
  let t: TestDatabase
  let key: string
  let serve: ServeProcess
  let servePort: number
  const workers: LongRunning[] = []
  let chaosOn = false
  let supervisor: NodeJS.Timeout | undefined
  const stats = { workerKills: 0, serverKills: 0, backendsTerminated: 0, startRetries: 0, signalRetries: 0, ingestRetries: 0, unexpectedExits: 0 }

  const startWorker = (slot: number) => {
    const w = startCli(['worker', '--workflows', WORKFLOWS, '--concurrency', '8'], {
      DATABASE_URL: t.url,
      CONTINUA_ENGINE_WORKER_TIMEOUT_MS: '2000',
      CONTINUA_DB_POOL_SIZE: '6',
      LOG_LEVEL: 'error',
    })
    workers[slot] = w
    return w.waitFor(/Engine worker .* running/, 60_000)
  }
  const startServer = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        serve = await startServeProcess(t.url, { CONTINUA_INGEST_DEFAULT_MODE: 'async', CONTINUA_DB_POOL_SIZE: '6' }, servePort)
        return
      } catch (err) {
        if (attempt >= 5) throw err
        log('server restart failed, retrying:', (err as Error).message.slice(0, 200))
      }
    }
  }

  /** POSTs through the (possibly dead) server until it answers below 500. */
  async function post(pathname: string, body: unknown, counter: 'startRetries' | 'signalRetries' | 'ingestRetries', deadline = Date.now() + 300_000) {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${servePort}${pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        })
        const text = await res.text()
        if (res.status < 500) return { status: res.status, body: text ? JSON.parse(text) : undefined }
      } catch {
        // connection refused or reset: the server is being restarted
      }
      stats[counter]++
      if (Date.now() > deadline) throw new Error(`gave up on POST ${pathname}`)
      await sleep(200)
    }
  }

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'chaos')).api_key
    servePort = await freePort()
    await Promise.all([0, 1, 2].map((slot) => startWorker(slot)))
    await startServer()
  })
  after(async () => {
    chaosOn = false
    clearInterval(supervisor)
    await Promise.all(workers.map((w) => w?.stop('SIGKILL', 5000)))
    await serve?.stop('SIGKILL')
    await t?.drop()
  })

  it('every workflow and every accepted batch survives kill -9, backend termination and server restarts', { timeout: DEADLINE_MS + 120_000 }, async () => {
    const started = Date.now()
    chaosOn = true

    // Chaos 1: kill -9 a random worker every few seconds and restart it.
    const killer = (async () => {
      while (chaosOn) {
        await sleep(KILL_EVERY_MS)
        if (!chaosOn) break
        const slot = Math.floor(Math.random() * workers.length)
        workers[slot]!.child.kill('SIGKILL')
        await workers[slot]!.stop('SIGKILL', 5000)
        stats.workerKills++
        await sleep(500)
        await startWorker(slot).catch((err) => log('worker restart failed', err))
      }
    })()
    // Restart whatever died on its own (e.g. a process that did not survive backend termination).
    let restarting = false
    supervisor = setInterval(() => {
      if (restarting || !chaosOn) return
      const dead = workers.findIndex((w) => w && w.child.exitCode !== null && w.child.signalCode === null)
      if (dead >= 0) {
        restarting = true
        stats.unexpectedExits++
        log(`worker ${dead} exited by itself with code ${workers[dead]!.child.exitCode}:`, workers[dead]!.output().stderr.slice(-500))
        void startWorker(dead)
          .catch((err) => log('worker restart failed', (err as Error).message.slice(0, 200)))
          .finally(() => (restarting = false))
      }
    }, 500)
    // Chaos 2: kill -9 the server twice while it takes traffic.
    const serverKiller = (async () => {
      for (const at of [4000, 12_000]) {
        await sleep(at - (Date.now() - started) > 0 ? at - (Date.now() - started) : 0)
        if (!chaosOn) break
        serve.proc.child.kill('SIGKILL')
        await serve.stop('SIGKILL')
        stats.serverKills++
        await sleep(700)
        await startServer()
      }
    })()
    // Chaos 3: once, terminate every backend connected to the database.
    const terminator = (async () => {
      await sleep(8000)
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL })
      await admin.connect()
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [t.name])
      stats.backendsTerminated = rowCount ?? 0
      await admin.end()
    })()

    // Load: start N runs and signal each; request keys make retries across server kills idempotent
    // (a signal whose answer was lost may be retried after its run already finished).
    const runIds: string[] = new Array(N)
    const starting = (async () => {
      for (let i = 0; i < N; i++) {
        const res = await post('/v1/engine/runs', { instance_key: `chaos-${i}`, request_key: `start-${i}`, definition_name: 'chaos-flow', definition_version: '1', input: { i } }, 'startRetries')
        assert.equal(res.status, 200, JSON.stringify(res.body))
        runIds[i] = res.body.run_id
        const signalled = await post(`/v1/engine/runs/${res.body.run_id}/signal`, { signal_name: 'go', payload: { go: i }, request_key: `go-${i}` }, 'signalRetries')
        assert.equal(signalled.status, 200, JSON.stringify(signalled.body))
        if (i % 10 === 9) await sleep(MODE === 'full' ? 100 : 250)
      }
    })()
    // Async ingest while the server dies: remember every batch that got a 202.
    const accepted = new Map<string, string>() // batch id → trace id
    const ingesting = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        const traceId = `chaos-trace-${b}`
        const body = {
          batch_key: `chaos-batch-${b}`,
          spans: [0, 1, 2].map((s) => ({ trace_id: traceId, span_id: `s${s}`, parent_span_id: s ? 's0' : undefined, name: `span ${s}`, start_time: T0 })),
          events: [{ trace_id: traceId, span_id: 's0', event_type: 'log', message: `batch ${b}` }],
        }
        const res = await post('/v1/ingest', body, 'ingestRetries')
        if (res.status === 202 || res.status === 200) accepted.set(res.body.batch_id, traceId)
        else assert.fail(`batch ${b}: ${res.status} ${JSON.stringify(res.body)}`)
        await sleep(100)
      }
    })()

    await Promise.all([starting, ingesting, terminator, serverKiller])
    // Keep killing workers until every run is terminal (or the deadline passes).
    const deadline = started + DEADLINE_MS
    for (;;) {
      const { rows } = await t.pool.query(`select count(*)::int as open from engine.runs where status not in ('completed', 'failed', 'cancelled', 'terminated')`).catch(() => ({ rows: [{ open: -1 }] }))
      if (rows[0].open === 0) break
      if (Date.now() > deadline) break
      await sleep(1000)
    }
    chaosOn = false
    clearInterval(supervisor)
    await killer
    log(`runs settled after ${Math.round((Date.now() - started) / 1000)} s`, JSON.stringify(stats))

    // 1. Every workflow reached its expected terminal state.
    const { rows: runs } = await t.pool.query(`select r.id, r.status, r.result, r.input from engine.runs r where r.definition_name = 'chaos-flow'`)
    assert.equal(runs.length, N, 'one run per start request, despite retries')
    const wrong = runs.filter((r) => r.status !== 'completed' || JSON.stringify(r.result) !== JSON.stringify(expectedResult(r.input.i)))
    assert.deepEqual(wrong.map((r) => `${r.input.i}: ${r.status} ${JSON.stringify(r.result)}`).slice(0, 10), [])
    const { rows: children } = await t.pool.query(`select status, count(*)::int as n from engine.runs where definition_name = 'chaos-child' group by 1 order by 1`)
    assert.deepEqual(children, [
      { status: 'completed', n: N - Math.ceil(N / 4) },
      { status: 'failed', n: Math.ceil(N / 4) },
    ].filter((c) => c.n > 0).sort((a, b) => a.status.localeCompare(b.status)))
    // 2. No history gaps or duplicates; 3. every activity outcome recorded exactly once.
    await assertHistoryContiguous(t.pool)
    await assertOneOutcomePerActivity(t.pool)
    const { rows: unmatched } = await t.pool.query(
      `select s.run_id, s.payload->>'command_id' as cmd from engine.history s
       where s.event_type = 'activity.scheduled'
         and (select count(*) from engine.history o where o.run_id = s.run_id and o.event_type = 'activity.completed' and o.payload->>'command_id' = s.payload->>'command_id') <> 1`,
    )
    assert.deepEqual(unmatched, [], 'every scheduled activity of a finished run completed exactly once')

    // 4. Every batch that got a 202 completes, and was applied once.
    await waitUntil(async () => {
      const { rows } = await t.pool.query(`select count(*)::int as n from ingest_batches where id = any($1::uuid[]) and status = 'completed'`, [[...accepted.keys()]])
      return rows[0].n === accepted.size
    }, 120_000, 'every accepted batch to complete', async () => {
      const { rows } = await t.pool.query(`select status, count(*)::int as n from ingest_batches group by 1`)
      const { rows: locked } = await t.pool.query(`select task_identifier, locked_by, locked_at from graphile_worker.jobs where locked_at is not null limit 5`)
      return JSON.stringify({ batches: rows, locked })
    })
    const { rows: batches } = await t.pool.query(`select status, count(*)::int as n from ingest_batches group by 1`)
    assert.deepEqual(batches, [{ status: 'completed', n: BATCHES }], 'one batch row per batch key, all completed')
    const { rows: perTrace } = await t.pool.query(
      `select t.trace_id, (select count(*)::int from spans s where s.trace_id = t.id) as spans, (select count(*)::int from span_events e where e.trace_id = t.id) as events
       from traces t where t.trace_id like 'chaos-trace-%'`,
    )
    assert.equal(perTrace.length, BATCHES)
    assert.deepEqual(perTrace.filter((r) => r.spans !== 3 || r.events !== 1), [], 'each batch applied exactly once')

    // 5. Stop the workers cleanly; nothing is left locked.
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 20_000)))
    const { rows: locked } = await t.pool.query(`select task_identifier, locked_by from graphile_worker.jobs where locked_at is not null`)
    assert.deepEqual(locked, [], 'no graphile job left locked')
    assert.ok(stats.workerKills >= 2 && stats.serverKills === 2 && stats.backendsTerminated > 0, JSON.stringify(stats))
  })
})

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string, describe?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `: ${await describe()}` : ''}`)
    await sleep(500)
  }
}
