import type { Kysely } from 'kysely'
import type { SessionList, SessionListQuery } from '../contract/sessions.js'
import type { DB } from '../db/schema.js'
import * as q from '../db/sessions-read.js'
import { ContinuaError } from '../errors.js'
import { isUuid } from './cursor.js'
import { sessionToWire } from './mappers.js'
import { clampLimit, clampOffset } from './traces.js'

// Session list and detail.

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
