import client from 'prom-client'
import type pg from 'pg'

// Gauges read from Postgres at scrape time, so every `serve` instance reports the same shared
// state: job queues, engine runs and workers, and the recent ingest batches. Each query is cheap
// (grouped counts over indexed or small sets) and the whole refresh runs under a statement timeout.

const STATEMENT_TIMEOUT_MS = 2000

export function collectDatabaseGauges(registry: client.Registry) {
  const g = (name: string, help: string, labelNames: string[]) => new client.Gauge({ name, help, labelNames, registers: [registry] })
  const jobs = g('continua_queue_jobs', 'graphile-worker jobs by task and state (ready, scheduled, locked, failed)', ['task', 'state'])
  const oldestReady = g('continua_queue_oldest_ready_seconds', 'Age of the oldest runnable, unlocked job by task: how long work waits for a worker (activation latency)', ['task'])
  const runs = g('continua_engine_runs', 'Engine runs by status', ['status'])
  const workers = g('continua_engine_workers', 'Engine worker processes by status (alive, stopped, dead)', ['status'])
  const heartbeatAge = g('continua_engine_worker_heartbeat_age_seconds', 'Seconds since the stalest alive engine worker last heartbeat', [])
  const batches = g('continua_ingest_batches_recent', 'Ingest batches received in the last 5 minutes, by mode and status', ['mode', 'status'])
  const backlog = g('continua_ingest_batches_pending', 'Ingest batches still queued or processing, by status', ['status'])

  return {
    async refresh(pool: pg.Pool): Promise<void> {
      const client = await pool.connect()
      try {
        await client.query('begin read only')
        await client.query(`set local statement_timeout = ${STATEMENT_TIMEOUT_MS}`)
        const q = await client.query<{ task: string; state: string; n: number; oldest: number | null }>(
          `select task_identifier as task,
                  case when locked_at is not null then 'locked'
                       when attempts >= max_attempts then 'failed'
                       when run_at > now() then 'scheduled' else 'ready' end as state,
                  count(*)::int as n,
                  extract(epoch from now() - min(run_at))::float8 as oldest
           from graphile_worker.jobs group by 1, 2`,
        )
        jobs.reset()
        oldestReady.reset()
        for (const r of q.rows) {
          jobs.set({ task: r.task, state: r.state }, r.n)
          if (r.state === 'ready') oldestReady.set({ task: r.task }, Math.max(0, r.oldest ?? 0))
        }
        const e = await client.query<{ status: string; n: number }>(`select status, count(*)::int as n from engine.runs group by 1`)
        runs.reset()
        for (const r of e.rows) runs.set({ status: r.status }, r.n)
        const w = await client.query<{ status: string; n: number; age: number | null }>(
          `select status, count(*)::int as n, extract(epoch from now() - min(heartbeat_at))::float8 as age from engine.workers group by 1`,
        )
        workers.reset()
        heartbeatAge.set(0)
        for (const r of w.rows) {
          workers.set({ status: r.status }, r.n)
          if (r.status === 'alive') heartbeatAge.set(Math.max(0, r.age ?? 0))
        }
        const b = await client.query<{ mode: string; status: string; n: number }>(
          `select mode, status, count(*)::int as n from ingest_batches where server_received_at > now() - interval '5 minutes' group by 1, 2`,
        )
        batches.reset()
        for (const r of b.rows) batches.set({ mode: r.mode, status: r.status }, r.n)
        const p = await client.query<{ status: string; n: number }>(
          `select status, count(*)::int as n from ingest_batches where status in ('queued', 'processing') group by 1`,
        )
        backlog.reset()
        backlog.set({ status: 'queued' }, 0)
        backlog.set({ status: 'processing' }, 0)
        for (const r of p.rows) backlog.set({ status: r.status }, r.n)
        await client.query('commit')
      } catch (err) {
        await client.query('rollback').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
  }
}
