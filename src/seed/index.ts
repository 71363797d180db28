import type { Kysely } from 'kysely'
import type pg from 'pg'
import { findProjectsByName } from '../db/projects.js'
import type { DB } from '../db/schema.js'
import { countTraceContents, traceIdsByExternal } from '../db/traces-read.js'
import { ingestSync } from '../ingest/index.js'
import { rollupTrace } from '../ingest/rollup.js'
import type { Logger } from '../logger.js'
import { createProject } from '../projects.js'
import { demoTraces, SEED_VERSION } from './demo-data.js'

// `continua seed`: the demo data set written through the ingest path into a project named
// `demo` (created when missing). Idempotent: fixed batch keys make a second run all duplicates,
// and rollups run only for traces a run actually wrote.

export const DEMO_PROJECT = 'demo'

export interface SeedResult {
  project: { id: string; name: string; created: boolean; api_key?: string }
  seed_version: string
  batches: { total: number; written: number; duplicate: number }
  sessions: string[]
  traces: Array<{ id: string; trace_id: string; session_id: string; spans: number; events: number }>
  /** Durable runs left in every state (completed, waiting, retrying, failed, …), when requested. */
  runs?: Array<{ state: string; run_id: string; instance_key: string }>
}

export interface SeedOptions {
  logger?: Logger
  onProgress?: (done: number, total: number) => void
}

export async function seedDemo(db: Kysely<DB>, options: SeedOptions = {}): Promise<SeedResult> {
  const existing = await findProjectsByName(db, DEMO_PROJECT)
  let project: SeedResult['project']
  if (existing[0]) project = { id: existing[0].id, name: existing[0].name, created: false }
  else {
    const created = await createProject(db, DEMO_PROJECT)
    project = { id: created.id, name: created.name, created: true, api_key: created.api_key }
  }

  const traces = demoTraces()
  const total = traces.reduce((n, t) => n + t.batches.length, 0)
  let done = 0
  let written = 0
  const touched = new Set<string>()
  options.onProgress?.(0, total)
  for (const trace of traces) {
    for (const batch of trace.batches) {
      const res = await ingestSync(db, project.id, batch, { logger: options.logger })
      if (res.status === 'ok') {
        written++
        touched.add(trace.trace_id)
      }
      options.onProgress?.(++done, total)
    }
  }
  const ids = await traceIdsByExternal(db, project.id, traces.map((t) => t.trace_id))
  // Roll up now, so the demo reads right even before a worker has run the queued rollup jobs.
  for (const externalId of touched) {
    const id = ids.get(externalId)
    if (id) await rollupTrace(db, id)
  }
  const counts = await countTraceContents(db, project.id, [...ids.values()])
  return {
    project,
    seed_version: SEED_VERSION,
    batches: { total, written, duplicate: total - written },
    sessions: [...new Set(traces.map((t) => t.session_id))],
    traces: traces.map((t) => {
      const id = ids.get(t.trace_id) ?? ''
      const c = counts.get(id) ?? { spans: 0, events: 0 }
      return { id, trace_id: t.trace_id, session_id: t.session_id, ...c }
    }),
  }
}

/**
 * The demo data set plus, unless `runs` is false, durable runs in every state driven by a
 * short-lived in-process engine worker. Both halves are idempotent.
 */
export async function seedDemoWithRuns(database: { db: Kysely<DB>; pool: pg.Pool }, options: SeedOptions & { runs: boolean }): Promise<SeedResult> {
  const result = await seedDemo(database.db, options)
  if (!options.runs) return result
  const { seedEngineRuns } = await import('../engine/demo.js')
  const { silentLogger } = await import('../logger.js')
  result.runs = await seedEngineRuns(database.pool, result.project.id, options.logger ?? silentLogger)
  return result
}
