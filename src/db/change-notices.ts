import type pg from 'pg'
import { CHANGES_CHANNEL, noticePayloads } from '../observe/change-feed.js'

// Engine commits tell live streams which traces moved, a few milliseconds after they commit,
// coalesced per process: one NOTIFY per project per window instead of one per step. A NOTIFY
// inside every step's commit serialised those commits on Postgres's notification queue lock and
// woke every listening backend each time (about a sixth of the engine's step throughput). The
// rows themselves are written in the step's transaction; a notice is only a wake-up, and a
// stream re-reads on a timer too (see observe/stream.ts), so a notice lost to a crash delays a
// live view, it does not lose data.

/** One committed projection: project, the trace's row id, its change number. */
export interface ChangeNotice {
  p: string
  t: string
  s: number
}

const NOTICE_WINDOW_MS = 10

interface Pending {
  byProject: Map<string, Map<string, number>>
  timer: NodeJS.Timeout | undefined
}

const pendingByPool = new WeakMap<pg.Pool, Pending>()

/** Queues notices of committed changes; they go out together within NOTICE_WINDOW_MS. */
export function noticeChanges(pool: pg.Pool, changes: ChangeNotice[]): void {
  if (changes.length === 0) return
  let pending = pendingByPool.get(pool)
  if (!pending) pendingByPool.set(pool, (pending = { byProject: new Map(), timer: undefined }))
  for (const c of changes) {
    const traces = pending.byProject.get(c.p) ?? new Map<string, number>()
    traces.set(c.t, Math.max(traces.get(c.t) ?? 0, c.s))
    pending.byProject.set(c.p, traces)
  }
  if (!pending.timer) {
    const due = pending
    due.timer = setTimeout(() => void send(pool, due), NOTICE_WINDOW_MS)
    due.timer.unref()
  }
}

async function send(pool: pg.Pool, pending: Pending): Promise<void> {
  const payloads = [...pending.byProject].flatMap(([project, traces]) => noticePayloads(project, [...traces.keys()].sort(), Math.max(...traces.values())))
  pending.byProject = new Map()
  pending.timer = undefined
  // A notice that cannot be sent (the pool is closing, the database is away) is only a late
  // wake-up: streams catch up on their own timer.
  await pool.query('select pg_notify($1, p) from unnest($2::text[]) as p', [CHANGES_CHANNEL, payloads]).catch(() => {})
}
