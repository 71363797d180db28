import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import * as q from '../db/traces-read.js'
import { ContinuaError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ChangeFeed } from './change-feed.js'
import { eventRowToTimeline, spanToWire, traceToWire, type TraceListRow } from './mappers.js'
import { decodeTimelineCursor } from './timeline.js'

// The live stream of one trace as Server-Sent Events. Each message is a span (new or updated),
// an event, or the trace row itself, in change_seq order; the SSE id is the change_seq, written
// only on the last message of each sequence number so a resume never skips half a group.

export interface StreamSink {
  write(chunk: string): void
  onClose(fn: () => void): void
  /** Ends the response (the client reconnects elsewhere with Last-Event-ID). */
  end(): void
  /** True once the server stops accepting connections: streams end instead of holding shutdown. */
  stopping(): boolean
}

export interface StreamOptions {
  db: Kysely<DB>
  feed: ChangeFeed | undefined
  logger: Logger
  trace: TraceListRow
  /** Resume point: a change_seq; undefined = start from now. */
  after: number | undefined
  heartbeatMs: number
  /** Re-read interval when no LISTEN connection is available. */
  pollMs: number
}

const SAFETY_READ_MS = 5_000

/** `Last-Event-ID` or `?after=`: a change_seq, or a timeline cursor (its change_seq is used). */
export function parseStreamAfter(value: string | undefined, param: string): number | undefined {
  if (value === undefined || value === '') return undefined
  if (/^\d{1,15}$/.test(value)) return Number(value)
  try {
    return Math.max(0, decodeTimelineCursor(value, param).seq)
  } catch {
    throw new ContinuaError('invalid_cursor', `${param} must be a change sequence number or a timeline cursor`)
  }
}

function message(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export async function runTraceStream(sink: StreamSink, o: StreamOptions): Promise<void> {
  const { db, trace } = o
  let cursor = o.after ?? (await q.traceHighWater(db, trace.project_id, trace.id))
  let closed = false
  let running = false
  let dirty = true

  const pump = async (): Promise<void> => {
    if (running || closed) return
    running = true
    try {
      while (dirty && !closed) {
        dirty = false
        cursor = await sendChanges(sink, db, trace, cursor)
      }
    } catch (err) {
      o.logger.warn('trace stream read failed', { trace: trace.id, error: (err as Error).message })
      sink.write(`: read failed, retrying\n\n`)
      dirty = true
      setTimeout(() => void pump(), 1000).unref()
    } finally {
      running = false
    }
  }
  const wake = () => {
    dirty = true
    void pump()
  }

  const sub = o.feed?.subscribe(trace.project_id, trace.id, wake)
  // Without LISTEN (no pool given, or the connection is down) the stream re-reads on a timer.
  const poll = setInterval(() => (!o.feed || !o.feed.listening) && wake(), o.pollMs)
  // With it, still every SAFETY_READ_MS: engine notices go out just after their commit, so a
  // writer that dies in between leaves no wake-up behind (db/change-notices.ts).
  const safety = setInterval(wake, SAFETY_READ_MS)
  const heartbeat = setInterval(() => sink.write(`: heartbeat\n\n`), o.heartbeatMs)
  const shutdownWatch = setInterval(() => sink.stopping() && sink.end(), 500)
  sink.onClose(() => {
    closed = true
    clearInterval(poll)
    clearInterval(safety)
    clearInterval(heartbeat)
    clearInterval(shutdownWatch)
    sub?.close()
  })
  // `ready` goes out once LISTEN is active, so a client may write right after it and be heard.
  await sub?.ready
  if (closed) return
  sink.write(`retry: 2000\n` + message('ready', { trace_id: trace.id, after: cursor }))
  await pump()
}

async function sendChanges(sink: StreamSink, db: Kysely<DB>, trace: TraceListRow, after: number): Promise<number> {
  // One snapshot for all three reads: read separately, a batch committing between them could
  // show its event but not its spans, and the cursor would then move past the spans for good.
  const { spans, events, traceRow, names } = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const spans = await q.spansChangedSince(trx, trace.project_id, trace.id, after)
      const events = await q.listEvents(trx, trace.project_id, trace.id, { afterSeq: after })
      const traceRow = await q.getTrace(trx, trace.project_id, trace.id)
      const names = new Map(spans.map((s) => [s.span_id, s.name]))
      const missing = events.map((e) => e.span_id).filter((id) => !names.has(id))
      for (const [id, name] of await q.spanNames(trx, trace.project_id, trace.id, missing)) names.set(id, name)
      return { spans, events, traceRow, names }
    })

  const out: Array<{ seq: number; order: number; text: (id?: number) => string }> = []
  if (traceRow && Number(traceRow.change_seq) > after) {
    const wire = traceToWire(traceRow)
    out.push({ seq: wire.change_seq, order: 0, text: (id) => message('trace', wire, id) })
  }
  for (const s of spans) {
    const wire = spanToWire(s)
    out.push({ seq: wire.change_seq, order: 1, text: (id) => message('span', wire, id) })
  }
  for (const e of events) {
    const wire = eventRowToTimeline(e, names.get(e.span_id))
    out.push({ seq: wire.change_seq, order: 2, text: (id) => message('event', wire, id) })
  }
  out.sort((a, b) => a.seq - b.seq || a.order - b.order)
  let chunk = ''
  let cursor = after
  out.forEach((m, i) => {
    const lastOfSeq = out[i + 1]?.seq !== m.seq
    chunk += m.text(lastOfSeq ? m.seq : undefined)
    cursor = Math.max(cursor, m.seq)
  })
  if (chunk) sink.write(chunk)
  return cursor
}
