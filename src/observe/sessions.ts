import type { Kysely } from 'kysely'
import type { Session, SessionList, SessionListQuery } from '../contract/sessions.js'
import type { DB } from '../db/schema.js'
import * as q from '../db/sessions-read.js'
import { ContinuaError } from '../errors.js'
import { isUuid } from './cursor.js'
import { iso } from './mappers.js'
import { clampLimit, clampOffset } from './traces.js'

// Session list and detail.

function jsonObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

export function sessionToWire(row: q.SessionListRow): Session {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name ?? undefined,
    user_id: row.user_id ?? undefined,
    trace_count: Number(row.trace_count),
    metadata: jsonObject(row.metadata),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_activity_at: iso(row.activity_at ?? row.last_activity_at),
  }
}

export async function listSessions(db: Kysely<DB>, projectId: string | undefined, query: SessionListQuery): Promise<SessionList> {
  const { rows, total } = await q.listSessions(
    db,
    projectId,
    { q: query.q?.trim() || undefined, userId: query.user_id, sortBy: query.sort_by ?? 'created_at', sortDir: query.sort_dir ?? 'desc' },
    { limit: clampLimit(query.limit), offset: clampOffset(query.offset) },
  )
  return { sessions: rows.map(sessionToWire), total }
}

export async function requireSession(db: Kysely<DB>, projectId: string | undefined, id: string): Promise<q.SessionListRow> {
  const row = isUuid(id) ? await q.getSession(db, projectId, id.toLowerCase()) : undefined
  if (!row) throw new ContinuaError('session_not_found', `Session ${id.slice(0, 64)} not found`)
  return row
}
