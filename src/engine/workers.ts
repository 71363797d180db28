import os from 'node:os'
import type pg from 'pg'
import { enqueueActivityJob, withTx } from '../db/engine-store.js'
import type { Registry } from './definitions.js'

// The worker registry and definition catalog. Registering adds this worker's rows and never
// touches another worker's, so heterogeneous workers can share one database.

export async function registerWorker(pool: pg.Pool, id: string, registry: Registry): Promise<void> {
  await withTx(pool, async (c) => {
    await c.query(`insert into engine.workers (id, hostname, pid) values ($1, $2, $3)`, [id, os.hostname(), process.pid])
    for (const def of registry.workflows.values()) {
      await c.query(`insert into engine.worker_definitions (worker_id, kind, name, version) values ($1, 'workflow', $2, $3) on conflict do nothing`, [id, def.name, def.version])
    }
    for (const type of registry.activities.keys()) {
      await c.query(`insert into engine.worker_definitions (worker_id, kind, name, version) values ($1, 'activity', $2, '') on conflict do nothing`, [id, type])
    }
  })
}

/** Declares silent workers dead; returns their graphile-worker ids so their jobs can be released. */
export async function sweepDeadWorkers(pool: pg.Pool, timeoutMs: number): Promise<{ workerIds: string[]; graphileIds: string[] }> {
  const { rows } = await pool.query<{ id: string; graphile_worker_ids: string[] }>(
    `update engine.workers set status = 'dead'
     where status = 'alive' and heartbeat_at < now() - make_interval(secs => $1::double precision / 1000)
     returning id, graphile_worker_ids`,
    [timeoutMs],
  )
  return { workerIds: rows.map((r) => r.id), graphileIds: rows.flatMap((r) => r.graphile_worker_ids) }
}

export interface DefinitionEntry {
  definition_name: string
  definition_version: string
  enabled: boolean
  live: boolean
  runtime_published_at: string
  published_at: string
}

export async function listDefinitions(pool: pg.Pool, liveWithinMs: number): Promise<DefinitionEntry[]> {
  const { rows } = await pool.query<{ name: string; version: string; live: boolean; runtime_published_at: Date; published_at: Date }>(
    `select d.name, d.version, min(d.registered_at) as published_at, max(w.heartbeat_at) as runtime_published_at,
       bool_or(w.status = 'alive' and w.heartbeat_at >= now() - make_interval(secs => $1::double precision / 1000)) as live
     from engine.worker_definitions d join engine.workers w on w.id = d.worker_id
     where d.kind = 'workflow' group by d.name, d.version order by d.name, d.version`,
    [liveWithinMs],
  )
  return rows.map((r) => ({
    definition_name: r.name,
    definition_version: r.version,
    enabled: true,
    live: r.live,
    runtime_published_at: r.runtime_published_at.toISOString(),
    published_at: r.published_at.toISOString(),
  }))
}

export async function isDefinitionKnown(pool: pg.Pool | pg.PoolClient, name: string, version: string): Promise<boolean> {
  const { rows } = await pool.query(`select 1 from engine.worker_definitions where kind = 'workflow' and name = $1 and version = $2 limit 1`, [name, version])
  return rows.length > 0
}

/**
 * Puts a dead worker's local activity tasks back in the queue with a fresh job each. The task may
 * have been started eagerly (outside any graphile job), so releasing jobs alone is not enough.
 */
export async function requeueTasksOf(pool: pg.Pool, workerIds: string[]): Promise<number> {
  if (workerIds.length === 0) return 0
  return withTx(pool, async (c) => {
    const { rows } = await c.query<{ id: string; activity_type: string }>(
      `update engine.activity_tasks set status = 'queued', owner = null, available_at = now()
       where owner = any($1::text[]) and status = 'claimed' and execution_target = 'local'
       returning id, activity_type`,
      [workerIds],
    )
    for (const r of rows) await enqueueActivityJob(c, r.activity_type, r.id, null)
    return rows.length
  })
}

/** Adds lock ids of another graphile-worker runner in the same process, so they are released too when this worker is declared dead. */
export async function recordGraphileLockIds(pool: pg.Pool, workerId: string, lockIds: string[]): Promise<void> {
  if (lockIds.length === 0) return
  await pool.query('update engine.workers set graphile_worker_ids = graphile_worker_ids || $2::text[] where id = $1', [workerId, lockIds])
}
