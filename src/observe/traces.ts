import type { Kysely } from 'kysely'
import type { Span, TraceDetail, TraceList, TraceListQuery } from '../contract/traces.js'
import type { DB } from '../db/schema.js'
import * as q from '../db/traces-read.js'
import { ContinuaError } from '../errors.js'
import { decodeCursor, encodeCursor, isUuid } from './cursor.js'
import { spanToWire, traceDetailToWire, traceToWire, type TraceListRow } from './mappers.js'

// Trace reads: the list with filters and two pagination styles, detail and spans.

export const clampLimit = (limit: number | undefined, fallback = 50, max = 200) => Math.min(max, Math.max(1, limit ?? fallback))
export const clampOffset = (offset: number | undefined) => Math.max(0, offset ?? 0)

const LIST_CURSOR = 'traces'

export async function listTraces(db: Kysely<DB>, projectId: string | undefined, query: TraceListQuery): Promise<TraceList> {
  const filters: q.TraceFilters = {
    q: query.q?.trim() || undefined,
    status: query.status,
    sessionId: query.session_id?.toLowerCase(),
    userId: query.user_id,
    startFrom: query.start_time_from,
    startTo: query.start_time_to,
    hasErrors: query.has_errors,
    minDurationMs: query.min_duration_ms,
    tags: query.tag?.split(',').map((s) => s.trim()).filter(Boolean),
    environment: query.environment,
    metadata: query.metadata,
    engine: {
      only: query.engine_only,
      runId: query.engine_run_id?.toLowerCase(),
      instanceKey: query.engine_instance_key,
      definitionName: query.engine_definition_name,
      definitionVersion: query.engine_definition_version,
      runStatus: query.engine_run_status,
      parentRunId: query.engine_parent_run_id?.toLowerCase(),
      rootRunId: query.engine_root_run_id?.toLowerCase(),
      projectionState: query.engine_projection_state,
    },
    sortDir: query.sort_dir ?? 'desc',
  }
  let after: q.TraceKeyset | undefined
  if (query.cursor !== undefined) {
    if (filters.q) throw new ContinuaError('invalid_cursor', 'cursor cannot be combined with q (search results are ranked; page them with offset)')
    if (query.offset !== undefined && query.offset !== 0) throw new ContinuaError('invalid_cursor', 'cursor cannot be combined with offset')
    after = decodeCursor(LIST_CURSOR, 'cursor', query.cursor, (v) =>
      typeof v.t === 'string' && !Number.isNaN(Date.parse(v.t)) && isUuid(v.i) && v.d === filters.sortDir ? { startedAt: v.t, id: v.i } : undefined,
    )
  }
  const limit = clampLimit(query.limit)
  const { rows, total } = await q.listTraces(db, projectId, filters, { limit: limit + 1, offset: clampOffset(query.offset), after })
  const hasMore = rows.length > limit
  const page = hasMore ? rows.slice(0, limit) : rows
  const body: TraceList = { traces: page.map(traceToWire), total }
  const last = page[page.length - 1]
  if (hasMore && last && !filters.q) {
    body.next_cursor = encodeCursor(LIST_CURSOR, { t: new Date(last.sort_started_at).toISOString(), i: last.id, d: filters.sortDir })
  }
  return body
}

/** The trace, or 404 when it does not exist in the caller's scope. */
export async function requireTrace(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<TraceListRow> {
  const row = isUuid(id) ? await q.getTrace(db, projectId, id.toLowerCase()) : undefined
  if (!row) throw new ContinuaError('trace_not_found', `Trace ${id.slice(0, 64)} not found`)
  return row
}

export async function getTraceDetail(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<TraceDetail> {
  return traceDetailToWire(await requireTrace(db, projectId, id))
}

/** The light span list (no payloads) as JSON text of `{"spans": [...]}`, serialised by Postgres. */
export async function traceSpanSummariesJson(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<string> {
  const trace = await requireTrace(db, projectId, id)
  const { spans, highWater } = await q.spanSummariesJson(db, trace.project_id, trace.id)
  return `{"spans":${spans},"high_water":${highWater}}`
}

export async function listTraceSpans(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<Span[]> {
  const trace = await requireTrace(db, projectId, id)
  return (await q.listSpans(db, trace.project_id, trace.id)).map((row) => spanToWire(row))
}
