// npm run bench:engine — a benchmark, not a test.
//
// On one fresh database, in one run, measures the durable engine beside raw graphile-worker
// (the queue it runs on), and prints each engine figure with its ratio to the raw figure:
//   1. raw graphile-worker: no-op jobs/s (concurrency 10), and add → run latency of one job
//   2. throughput: N workflows × 3 activities, all started at once → workflows/s and steps/s
//   3. latency: sequential 1-activity workflows, start call → the worker's commit of the end
//      (the same span DBOS's start → result covers), p50/p99
//      (2 and 3 run in BENCH_ROUNDS rounds, alternating with DBOS's, and report medians)
//   4. signal → completion of a workflow blocked on ctx.signal, p50/p99
//   5. timer lateness: fired_at − due_at for 1 s sleeps, p50/p99
// Uses DATABASE_URL's cluster when set, else an embedded Postgres (scripts/harness.ts).
//   6. DBOS Transact (devDependency, benchmark only) on its own system database on the same
//      Postgres: the same throughput and 1-step latency shapes (BENCH_DBOS=0 skips it)
import os from 'node:os'
import { makeWorkerUtils, run } from 'graphile-worker'
import pg from 'pg'
import { signalRun } from '../src/engine/control.js'
import { defineActivity, defineWorkflow, Registry } from '../src/engine/definitions.js'
import { startEngineWorker } from '../src/engine/runtime.js'
import { silentLogger } from '../src/logger.js'
import { createProject } from '../src/projects.js'
import { freshDatabase } from './harness.js'

const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 300)
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 100)
// Unmeasured runs before the latency rounds (engine and DBOS alike): connections, plan caches, JIT.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30)
const SIGNALS = Number(process.env.BENCH_SIGNALS ?? 50)
const TIMERS = Number(process.env.BENCH_TIMERS ?? 40)
const RAW_JOBS = Number(process.env.BENCH_RAW_JOBS ?? 3000)
const RUN_DBOS = process.env.BENCH_DBOS !== '0'
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10)
// Throughput and latency are measured in this many alternating engine/DBOS rounds.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

const noop = defineActivity('bench.noop', async (n: number) => n)
const threeSteps = defineWorkflow({ name: 'bench-three', version: '1' }, async (ctx, n: number) => {
  const a = await ctx.activity(noop, n)
  const b = await ctx.activity(noop, a + 1)
  return ctx.activity(noop, b + 1)
})
const oneStep = defineWorkflow({ name: 'bench-one', version: '1' }, async (ctx, n: number) => ctx.activity(noop, n))
const waitsForSignal = defineWorkflow({ name: 'bench-signal', version: '1' }, async (ctx) => ctx.signal('go'))
const sleeps = defineWorkflow({ name: 'bench-sleep', version: '1' }, async (ctx, ms: number) => ctx.sleep(ms))

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}
const f1 = (n: number) => n.toFixed(1)

async function waitUntil(pool: pg.Pool, sql: string, params: unknown[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await pool.query(sql, params)
    if (rows[0]?.done) return
    if (Date.now() > deadline) throw new Error(`timed out: ${sql}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function rawGraphile(pool: pg.Pool): Promise<{ jobsPerSec: number; latency: number[] }> {
  const utils = await makeWorkerUtils({ pgPool: pool })
  const latency: number[] = []
  const added = new Map<number, number>()
  const runner = await run({
    pgPool: pool,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: new (await import('graphile-worker')).Logger(() => () => {}),
    taskList: {
      'bench.raw': async () => {},
      'bench.ping': async (payload) => {
        const i = (payload as { i: number }).i
        latency.push(performance.now() - added.get(i)!)
      },
    },
  })
  try {
    await utils.addJobs(Array.from({ length: RAW_JOBS }, (_, i) => ({ identifier: 'bench.raw', payload: { i } })))
    const started = performance.now()
    // graphile's completion events fire before the delete commits: count an empty table instead.
    await waitUntil(pool, `select count(*) = 0 as done from graphile_worker._private_jobs`, [])
    const jobsPerSec = RAW_JOBS / ((performance.now() - started) / 1000)
    for (let i = 0; i < SEQUENTIAL; i++) {
      added.set(i, performance.now())
      await utils.addJob('bench.ping', { i })
      while (latency.length <= i) await new Promise((r) => setTimeout(r, 1))
    }
    return { jobsPerSec, latency }
  } finally {
    await runner.stop()
    await utils.release()
  }
}

/** A system under test: one throughput round (N × 3 steps at once → workflows/s) and one latency round (sequential 1-step runs → ms each). */
interface Contender {
  throughput(): Promise<number>
  latency(count: number): Promise<number[]>
  stop(): Promise<void>
}

/** DBOS Transact on its own system database on the same Postgres, running the same shapes. */
async function launchDbos(adminUrl: string, admin: pg.Client): Promise<Contender> {
  const { DBOS } = await import('@dbos-inc/dbos-sdk')
  const dbName = `continua_bench_dbos_${process.pid}`
  await admin.query(`drop database if exists ${dbName}`)
  const url = new URL(adminUrl)
  url.pathname = '/' + dbName
  const step = async (n: number) => n
  const three = DBOS.registerWorkflow(async (n: number) => {
    const a = await DBOS.runStep(() => step(n), { name: 'noop' })
    const b = await DBOS.runStep(() => step(a + 1), { name: 'noop' })
    return DBOS.runStep(() => step(b + 1), { name: 'noop' })
  }, { name: 'bench-three' })
  const one = DBOS.registerWorkflow(async (n: number) => DBOS.runStep(() => step(n), { name: 'noop' }), { name: 'bench-one' })
  DBOS.setConfig({ name: 'continua-bench', systemDatabaseUrl: url.toString(), logLevel: 'error' } as Parameters<typeof DBOS.setConfig>[0])
  await DBOS.launch()
  return {
    async throughput() {
      const t0 = performance.now()
      const handles = await Promise.all(Array.from({ length: WORKFLOWS }, (_, i) => DBOS.startWorkflow(three)(i)))
      await Promise.all(handles.map((h) => h.getResult()))
      return WORKFLOWS / ((performance.now() - t0) / 1000)
    },
    async latency(count) {
      const ms: number[] = []
      for (let i = 0; i < count; i++) {
        const s = performance.now()
        await one(i)
        ms.push(performance.now() - s)
      }
      return ms
    },
    async stop() {
      await DBOS.shutdown()
      await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {})
    },
  }
}

const median = (values: number[]) => pct(values, 50)
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`

async function main() {
  const h = await freshDatabase('bench_engine', { poolSize: Number(process.env.BENCH_POOL ?? 20) })
  const { pool, db, admin, adminUrl } = h
  try {
    const projectId = (await createProject(db, 'bench')).id
    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, node ${process.version}`)

    const raw = await rawGraphile(pool)
    const rawP50 = pct(raw.latency, 50)
    const rawP99 = pct(raw.latency, 99)

    // When this process committed each run's end (a run can end before its start call returns).
    const endedAt = new Map<string, number>()
    let onEnd = () => {}
    const worker = await startEngineWorker({
      onRunClosed: (runId) => {
        endedAt.set(runId, performance.now())
        onEnd()
      },
      pool,
      registry: new Registry([noop, threeSteps, oneStep, waitsForSignal, sleeps]),
      logger: silentLogger,
      concurrency: CONCURRENCY,
      pollInterval: 1000,
    })
    const dbos = RUN_DBOS ? await launchDbos(adminUrl, admin) : undefined
    try {
      let n = 0
      const start = (name: string, input: unknown) => worker.start({ projectId, instanceKey: `b-${++n}`, definitionName: name, definitionVersion: '1', input })
      const ended = async (runIds: string[]) => {
        while (!runIds.every((id) => endedAt.has(id))) await new Promise<void>((resolve) => (onEnd = resolve))
      }
      const engine: Contender = {
        // N runs at once, until this worker has committed the end of every one of them.
        async throughput() {
          const t0 = performance.now()
          const started = await Promise.all(Array.from({ length: WORKFLOWS }, (_, i) => start('bench-three', i)))
          await ended(started.map((r) => r.run_id))
          return WORKFLOWS / ((performance.now() - t0) / 1000)
        },
        // Start call → the commit that ends the run, in this process.
        async latency(count) {
          const ms: number[] = []
          for (let i = 0; i < count; i++) {
            const t = performance.now()
            const { run_id } = await start('bench-one', i)
            await ended([run_id])
            ms.push(endedAt.get(run_id)! - t)
          }
          return ms
        },
        stop: () => worker.stop(),
      }

      // 2–3. Throughput and latency in alternating rounds, engine then DBOS, so both see the same
      // machine: on a shared VM its speed drifts within a run, and a ratio of figures taken minutes
      // apart measures the drift as much as the systems.
      // Unmeasured: one throughput round and WARMUP runs each (connections, prepared plans, JIT).
      await engine.throughput()
      await dbos?.throughput()
      await engine.latency(WARMUP)
      await dbos?.latency(WARMUP)
      const rounds: Array<{ engineWf: number; dbosWf: number; engineMs: number[]; dbosMs: number[] }> = []
      for (let r = 0; r < ROUNDS; r++) {
        const engineWf = await engine.throughput()
        const dbosWf = (await dbos?.throughput()) ?? NaN
        const engineMs = await engine.latency(SEQUENTIAL)
        const dbosMs = (await dbos?.latency(SEQUENTIAL)) ?? []
        rounds.push({ engineWf, dbosWf, engineMs, dbosMs })
      }
      const engineWf = median(rounds.map((r) => r.engineWf))
      const oneMs = rounds.flatMap((r) => r.engineMs)

      // 4. signal → completion
      const signalMs: number[] = []
      for (let i = 0; i < SIGNALS; i++) {
        const { run_id } = await start('bench-signal', {})
        await waitUntil(pool, `select status = 'waiting' as done from engine.runs where id = $1`, [run_id])
        await signalRun(pool, projectId, run_id, 'go', i)
        await waitUntil(pool, `select status = 'completed' as done from engine.runs where id = $1`, [run_id])
        const { rows } = await pool.query(
          `select extract(epoch from r.completed_at - h.created_at) * 1000 as ms from engine.runs r
           join engine.history h on h.run_id = r.id and h.event_type = 'signal.received' where r.id = $1`,
          [run_id],
        )
        signalMs.push(Number(rows[0].ms))
      }

      // 5. timer lateness
      await Promise.all(Array.from({ length: TIMERS }, () => start('bench-sleep', 1000)))
      await waitUntil(pool, `select count(*) filter (where status = 'completed') = $1 as done from engine.runs where definition_name = 'bench-sleep'`, [TIMERS])
      const { rows: late } = await pool.query(`select extract(epoch from fired_at - due_at) * 1000 as ms from engine.timers where fired_at is not null`)
      const lateMs = late.map((r) => Number(r.ms))

      console.log('')
      console.log(`raw graphile-worker (concurrency ${CONCURRENCY}): ${f1(raw.jobsPerSec)} no-op jobs/s; add → run p50 ${f1(rawP50)} ms, p99 ${f1(rawP99)} ms`)
      console.log('')
      console.log(`engine (median of ${ROUNDS} rounds; latency percentiles over all ${oneMs.length} runs)   ratio to raw graphile-worker`)
      console.log(`workflows/s (3 activities, ${WORKFLOWS} at once)   ${f1(engineWf).padStart(8)}          ${(engineWf / raw.jobsPerSec).toFixed(3)} of jobs/s`)
      console.log(`activity steps/s                         ${f1(engineWf * 3).padStart(8)}          ${((engineWf * 3) / raw.jobsPerSec).toFixed(3)} of jobs/s`)
      console.log(`1-activity start→complete p50 (ms)       ${f1(pct(oneMs, 50)).padStart(8)}          ${(pct(oneMs, 50) / rawP50).toFixed(1)}× one job's latency`)
      console.log(`1-activity start→complete p99 (ms)       ${f1(pct(oneMs, 99)).padStart(8)}          ${(pct(oneMs, 99) / rawP99).toFixed(1)}× one job's latency`)
      console.log(`signal→complete p50 / p99 (ms)           ${f1(pct(signalMs, 50))} / ${f1(pct(signalMs, 99))}`)
      console.log(`timer lateness p50 / p99 (ms, 1 s sleep) ${f1(pct(lateMs, 50))} / ${f1(pct(lateMs, 99))}`)

      if (dbos) {
        const dbosMs = rounds.flatMap((r) => r.dbosMs)
        console.log('')
        console.log(`DBOS Transact, alternating rounds with the engine (same Postgres, same shapes; 1-step latency is start call → result, as the engine's)`)
        console.log('round   engine steps/s   DBOS steps/s   engine ÷ DBOS   engine p50   DBOS p50   engine ÷ DBOS')
        rounds.forEach((r, i) => {
          const eP50 = pct(r.engineMs, 50)
          const dP50 = pct(r.dbosMs, 50)
          console.log(`${String(i + 1).padStart(5)}   ${f1(r.engineWf * 3).padStart(14)}   ${f1(r.dbosWf * 3).padStart(12)}   ${ratio(r.engineWf, r.dbosWf).padStart(13)}   ${f1(eP50).padStart(7)} ms   ${f1(dP50).padStart(5)} ms   ${ratio(eP50, dP50).padStart(13)}`)
        })
        const tputRatio = median(rounds.map((r) => r.engineWf / r.dbosWf))
        const p50Ratio = median(rounds.map((r) => pct(r.engineMs, 50) / pct(r.dbosMs, 50)))
        console.log(`median                                                  ${tputRatio.toFixed(2)}×                                   ${p50Ratio.toFixed(2)}×`)
        console.log('')
        // Ratios: throughput and p50 are the medians of the rounds' ratios; p99 pools every run.
        console.log('figure                                   DBOS          engine ÷ DBOS   DBOS ratio to raw graphile-worker')
        const dbosWf = median(rounds.map((r) => r.dbosWf))
        const dP50 = pct(dbosMs, 50)
        const dP99 = pct(dbosMs, 99)
        console.log(`steps/s (median round)                   ${f1(dbosWf * 3).padStart(8)}      ${`${tputRatio.toFixed(2)}×`.padStart(8)}       ${((dbosWf * 3) / raw.jobsPerSec).toFixed(3)} of jobs/s`)
        console.log(`1-step start→result p50 (ms, all runs)   ${f1(dP50).padStart(8)}      ${`${p50Ratio.toFixed(2)}×`.padStart(8)}       ${(dP50 / rawP50).toFixed(1)}× one job's latency`)
        console.log(`1-step start→result p99 (ms, all runs)   ${f1(dP99).padStart(8)}      ${ratio(pct(oneMs, 99), dP99).padStart(8)}       ${(dP99 / rawP99).toFixed(1)}× one job's latency`)
      }
    } finally {
      await dbos?.stop()
      await worker.stop()
    }
  } finally {
    await h.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
