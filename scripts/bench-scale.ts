// npm run bench:scale — engine throughput with 1, 2 and 3 `continua worker` processes on one
// Postgres. Each round starts BENCH_RUNS (default 200) runs of a three-activity workflow at once
// and times until every run has completed. A benchmark, not a test.
import path from 'node:path'
import { startRun } from '../src/engine/control.js'
import { createProject } from '../src/projects.js'
import { freshDatabase, machine, ROOT, startContinua, type Child } from './harness.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 200)
const MAX_WORKERS = Number(process.env.BENCH_MAX_WORKERS ?? 3)
const FIXTURE = path.join(ROOT, 'test', 'engine', 'workflows.fixture.ts')

async function main() {
  console.log(`machine: ${machine()}`)
  const h = await freshDatabase('scale')
  const project = await createProject(h.db, 'scale')
  const results: string[] = []
  try {
    for (let workers = 1; workers <= MAX_WORKERS; workers++) {
      const procs: Child[] = []
      for (let w = 0; w < workers; w++) {
        procs.push(await startContinua(['worker', '--workflows', FIXTURE, '--concurrency', '10'], { DATABASE_URL: h.url, CONTINUA_DB_POOL_SIZE: '12' }, /Engine worker .* running/))
      }
      const started = Date.now()
      const ids: string[] = []
      for (let i = 0; i < RUNS; i++) {
        const r = await startRun(h.pool, { projectId: project.id, instanceKey: `scale-${workers}-${i}`, definitionName: 'three-steps', definitionVersion: '1', input: { name: `n${i}` } })
        ids.push(r.run_id)
      }
      for (;;) {
        const { rows } = await h.pool.query(`select count(*) filter (where status = 'completed')::int as done, count(*) filter (where status in ('failed', 'quarantined'))::int as bad from engine.runs where id = any($1::uuid[])`, [ids])
        if (rows[0].bad > 0) throw new Error(`${rows[0].bad} runs failed`)
        if (rows[0].done === RUNS) break
        await new Promise((r) => setTimeout(r, 100))
      }
      const seconds = (Date.now() - started) / 1000
      const line = `${workers} worker process${workers > 1 ? 'es' : ''}: ${RUNS} runs (${RUNS * 3} activities) in ${seconds.toFixed(1)} s = ${(RUNS / seconds).toFixed(1)} runs/s, ${((RUNS * 3) / seconds).toFixed(1)} activities/s`
      console.log(line)
      results.push(line)
      await Promise.all(procs.map((p) => p.stop()))
    }
  } finally {
    await h.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
