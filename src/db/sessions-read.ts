import { sql, type Kysely, type SqlBool } from 'kysely'
import { escapeLike } from './traces-read.js'
import type { DB, SessionRow, SpanEventRow, SpanRow, TraceRow } from './schema.js'

// Read queries for sessions and what the narrative and compare views need. Scoped like every
// read: undefined projectId = an operator across projects.

export type SessionListRow = SessionRow & { trace_count: number; activity_at: Date }

const traceCount = sql<number>`(select count(*) from traces t where t.session_id = s.id)`
// The session's own activity stamp, or its latest trace write if later.
const activity = sql<Date>`greatest(s.last_activity_at, (select max(greatest(t.updated_at, t.end_time)) from traces t where t.session_id = s.id))`

export interface SessionFilters {
  q?: string
  userId?: string
  sortBy: 'created_at' | 'trace_count' | 'last_activity_at'
  sortDir: 'asc' | 'desc'
}

export async function listSessions(
  db: Kysely<DB>,
  projectId: string | undefined,
  f: SessionFilters,
  page: { limit: number; offset: number },
): Promise<{ rows: SessionListRow[]; total: number }> {
  let base = db.selectFrom('sessions as s')
  if (projectId) base = base.where('s.project_id', '=', projectId)
  if (f.userId !== undefined) base = base.where('s.user_id', '=', f.userId)
  const text = f.q?.toLowerCase()
  if (text) {
    const contains = `%${escapeLike(text)}%`
    base = base.where(
      sql<SqlBool>`(s.id::text ilike ${contains} or s.external_id ilike ${contains} or s.name ilike ${contains} or s.user_id ilike ${contains})`,
    )
  }
  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  let q = base.selectAll('s').select([traceCount.as('trace_count'), activity.as('activity_at')])
  if (text) {
    const prefix = `${escapeLike(text)}%`
    // Exact ids first, then exact user, then prefixes, then anything else; newest first within.
    q = q.orderBy(sql`case
      when s.id::text = ${text} then 0 when lower(s.external_id) = ${text} then 1 when lower(s.user_id) = ${text} then 2
      when s.id::text like ${prefix} then 3 when lower(s.external_id) like ${prefix} then 4 when lower(s.user_id) like ${prefix} then 5
      else 6 end`)
    q = q.orderBy('s.created_at', 'desc').orderBy('s.id', 'desc')
  } else {
    const key = f.sortBy === 'trace_count' ? traceCount : f.sortBy === 'last_activity_at' ? activity : sql`s.created_at`
    q = q.orderBy(key, f.sortDir).orderBy('s.created_at', f.sortDir).orderBy('s.id', f.sortDir)
  }
  const rows = (await q.limit(page.limit).offset(page.offset).execute()) as SessionListRow[]
  return { rows, total: Number(totalRow.n) }
}

export async function getSession(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<SessionListRow | undefined> {
  let q = db.selectFrom('sessions as s').selectAll('s').select([traceCount.as('trace_count'), activity.as('activity_at')]).where('s.id', '=', id)
  if (projectId) q = q.where('s.project_id', '=', projectId)
  return (await q.executeTakeFirst()) as SessionListRow | undefined
}

/** The session's traces in start order, at most `limit`. */
export async function sessionTraces(db: Kysely<DB>, projectId: string, sessionId: string, limit: number): Promise<TraceRow[]> {
  return db
    .selectFrom('traces as t')
    .selectAll('t')
    .where('t.project_id', '=', projectId)
    .where('t.session_id', '=', sessionId)
    .orderBy(sql`coalesce(t.start_time, t.server_received_at)`)
    .orderBy('t.id')
    .limit(limit)
    .execute()
}

export interface SessionAggregate {
  trace_count: number
  running: number
  completed: number
  failed: number
  tokens_in: number
  tokens_out: number
  cost: string
  started_at: Date | null
  last_activity_at: Date | null
}

export async function sessionAggregate(db: Kysely<DB>, projectId: string, sessionId: string): Promise<SessionAggregate> {
  const res = await sql<SessionAggregate>`
    select count(*)::int as trace_count,
           count(*) filter (where status = 'running')::int as running,
           count(*) filter (where status = 'completed')::int as completed,
           count(*) filter (where status = 'failed')::int as failed,
           coalesce(sum(total_tokens_in), 0)::bigint as tokens_in,
           coalesce(sum(total_tokens_out), 0)::bigint as tokens_out,
           coalesce(sum(total_cost), 0)::text as cost,
           min(coalesce(start_time, server_received_at)) as started_at,
           max(greatest(coalesce(start_time, server_received_at), end_time)) as last_activity_at
      from traces where project_id = ${projectId} and session_id = ${sessionId}`.execute(db)
  const row = res.rows[0]!
  return { ...row, tokens_in: Number(row.tokens_in), tokens_out: Number(row.tokens_out) }
}

/**
 * Per trace: the latest moment anything happened (trace start/end, any span, any event), in
 * client time where the client gave one, so replayed or back-filled data still reads right.
 */
export async function latestActivity(db: Kysely<DB>, projectId: string, traceIds: string[]): Promise<Map<string, Date>> {
  if (traceIds.length === 0) return new Map()
  const res = await sql<{ id: string; at: Date }>`
    select t.id, greatest(coalesce(t.start_time, t.server_received_at), t.end_time,
      (select max(greatest(sp.start_time, sp.end_time)) from spans sp where sp.trace_id = t.id and sp.project_id = t.project_id),
      (select max(coalesce(e.event_ts, e.server_ingested_at)) from span_events e where e.trace_id = t.id and e.project_id = t.project_id)
    ) as at
    from traces t where t.project_id = ${projectId} and t.id = any(${traceIds}::uuid[])`.execute(db)
  return new Map(res.rows.map((r) => [r.id, new Date(r.at)]))
}

export const SEMANTIC_KINDS = ['decision', 'effect', 'wait'] as const

export async function semanticEvents(db: Kysely<DB>, projectId: string, traceIds: string[]): Promise<SpanEventRow[]> {
  if (traceIds.length === 0) return []
  return db
    .selectFrom('span_events')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('trace_id', 'in', traceIds)
    .where('event_type', 'in', [...SEMANTIC_KINDS])
    .orderBy(sql`coalesce(event_ts, server_ingested_at)`)
    .orderBy(sql`sequence nulls last`)
    .orderBy('change_seq')
    .orderBy('id')
    .execute()
}

export async function countSpansAndSemantics(db: Kysely<DB>, projectId: string, traceId: string): Promise<{ spans: number; semantic: number }> {
  const res = await sql<{ spans: number; semantic: number }>`
    select (select count(*) from spans where project_id = ${projectId} and trace_id = ${traceId})::int as spans,
           (select count(*) from span_events where project_id = ${projectId} and trace_id = ${traceId}
              and event_type in ('decision', 'effect', 'wait'))::int as semantic`.execute(db)
  return res.rows[0]!
}

export async function spanNameMap(db: Kysely<DB>, projectId: string, traceIds: string[]): Promise<Map<string, string>> {
  if (traceIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('spans')
    .select(['trace_id', 'span_id', 'name'])
    .where('project_id', '=', projectId)
    .where('trace_id', 'in', traceIds)
    .execute()
  return new Map(rows.map((r) => [`${r.trace_id}\u0000${r.span_id}`, r.name]))
}

export type { SpanRow }
