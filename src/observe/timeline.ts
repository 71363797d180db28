import type { Kysely } from 'kysely'
import type { TimelineEvent, TimelineResponse } from '../contract/traces.js'
import type { DB } from '../db/schema.js'
import { RANK_STARTED, RANK_TERMINAL, timelinePage, type TimelineKey, type TimelineRow } from '../db/timeline-read.js'
import { decodeCursor, encodeCursor, isSeq, isUuid } from './cursor.js'
import { iso, traceStatusBucket } from './mappers.js'

// GET /api/traces/{id}/events: cursor-paged in change order, displayed in time order.

const KIND = 'timeline'
export const TIMELINE_START: TimelineKey = { seq: -1, rank: 0, key: '' }

export function encodeTimelineCursor(k: TimelineKey): string {
  return encodeCursor(KIND, { s: k.seq, r: k.rank, i: k.key })
}

export function decodeTimelineCursor(text: string, param = 'after'): TimelineKey {
  return decodeCursor(KIND, param, text, (v) =>
    (isSeq(v.s) || v.s === -1) && (v.r === 0 || v.r === 1 || v.r === 2) && (v.i === '' || isUuid(v.i))
      ? { seq: v.s as number, rank: v.r, key: v.i }
      : undefined,
  )
}

function rowToEvent(traceId: string, row: TimelineRow): TimelineEvent {
  const synthetic = row.rank === RANK_STARTED || row.rank === RANK_TERMINAL
  const event: TimelineEvent = {
    id: synthetic ? `${row.span_id}:${row.event_type}` : row.key,
    trace_id: traceId,
    span_id: row.span_id ?? undefined,
    span_name: row.span_name ?? undefined,
    event_type: row.event_type as TimelineEvent['event_type'],
    timestamp: iso(row.ts),
    source: synthetic ? 'synthetic' : 'explicit',
    change_seq: row.seq,
  }
  if (!synthetic) {
    event.level = (row.level ?? 'info') as TimelineEvent['level']
    if (row.sequence != null) event.sequence = row.sequence
    if (row.message != null) event.message = row.message
    event.payload = (row.payload as Record<string, unknown>) ?? {}
  } else if (row.message != null && row.event_type === 'span_failed') {
    event.message = row.message
  }
  return event
}

/** Display order: time, stored events before markers, then sequence / phase, then id. */
function displayCompare(a: TimelineEvent, b: TimelineEvent): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1
  const src = (e: TimelineEvent) => (e.source === 'explicit' ? 0 : 1)
  if (src(a) !== src(b)) return src(a) - src(b)
  const phase = (e: TimelineEvent) => (e.source === 'explicit' ? (e.sequence ?? Number.MAX_SAFE_INTEGER) : e.event_type === 'span_started' ? 0 : 1)
  if (phase(a) !== phase(b)) return phase(a) - phase(b)
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export async function readTimeline(
  db: Kysely<DB>,
  trace: { id: string; project_id: string; status: string },
  options: { after?: string; limit: number; types?: string[] },
): Promise<TimelineResponse> {
  const after = options.after ? decodeTimelineCursor(options.after) : TIMELINE_START
  const rows = await timelinePage(db, trace.project_id, trace.id, after, options.limit + 1, options.types?.length ? options.types : undefined)
  const hasMore = rows.length > options.limit
  const page = hasMore ? rows.slice(0, options.limit) : rows
  const last = page[page.length - 1]
  const pollKey = last ? { seq: last.seq, rank: last.rank, key: last.key } : after
  const response: TimelineResponse = {
    events: page.map((r) => rowToEvent(trace.id, r)).sort(displayCompare),
    trace_status: traceStatusBucket(trace.status),
    has_more: hasMore,
    poll_cursor: encodeTimelineCursor(pollKey),
  }
  if (hasMore) response.next_cursor = encodeTimelineCursor(pollKey)
  return response
}
