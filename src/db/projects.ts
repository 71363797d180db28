import { sql, type Kysely, type Transaction } from 'kysely'
import type { ApiKeyRow, DB, ProjectRow } from './schema.js'

// Queries for projects and their API keys. Everything takes the db (or a transaction) first.

type Executor = Kysely<DB> | Transaction<DB>

export async function listProjects(db: Executor, onlyId?: string): Promise<ProjectRow[]> {
  let q = db.selectFrom('projects').selectAll().orderBy('created_at').orderBy('id')
  if (onlyId) q = q.where('id', '=', onlyId)
  return q.execute()
}

export async function getProject(db: Executor, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findProjectsByName(db: Executor, name: string): Promise<ProjectRow[]> {
  return db.selectFrom('projects').selectAll().where('name', '=', name).orderBy('created_at').execute()
}

export async function countProjects(db: Executor): Promise<number> {
  const row = await db.selectFrom('projects').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function insertProject(db: Executor, name: string, isDefault = false): Promise<ProjectRow> {
  return db
    .insertInto('projects')
    .values({ name, is_default: isDefault, settings: '{}', updated_at: new Date() })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Renames and/or sets settings keys (merged into projects.settings; a null value removes the key). */
export async function updateProject(
  db: Executor,
  id: string,
  change: { name?: string; settings?: Record<string, unknown> },
): Promise<ProjectRow | undefined> {
  const settings = change.settings
  return db
    .updateTable('projects')
    .set((eb) => ({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(settings
        ? { settings: sql<string>`jsonb_strip_nulls(${eb.ref('settings')} || ${JSON.stringify(settings)}::jsonb)` }
        : {}),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deleteProject(db: Executor, id: string): Promise<boolean> {
  const res = await db.deleteFrom('projects').where('id', '=', id).executeTakeFirst()
  return Number(res.numDeletedRows) > 0
}

export async function touchProject(db: Executor, id: string): Promise<void> {
  await db.updateTable('projects').set({ updated_at: sql<Date>`now()` }).where('id', '=', id).execute()
}

export async function insertApiKey(
  db: Executor,
  key: { projectId: string; name: string; hash: string; prefix: string },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ project_id: key.projectId, name: key.name, key_hash: key.hash, display_prefix: key.prefix })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function listApiKeys(db: Executor, projectId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute()
}

/** Revokes every active key of a project (or one key); returns how many were revoked. */
export async function revokeApiKeys(db: Executor, projectId: string, keyId?: string): Promise<number> {
  let q = db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
  if (keyId) q = q.where('id', '=', keyId)
  const res = await q.executeTakeFirst()
  return Number(res.numUpdatedRows)
}

export async function getApiKey(db: Executor, projectId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('project_id', '=', projectId).where('id', '=', keyId).executeTakeFirst()
}

/** The active key with this hash, with its project. */
export async function findActiveKeyByHash(db: Executor, hash: string): Promise<{ key_id: string; project_id: string; last_used_at: Date | null } | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['id as key_id', 'project_id', 'last_used_at'])
    .where('key_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}

export async function markKeyUsed(db: Executor, keyId: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: sql<Date>`now()` }).where('id', '=', keyId).execute()
}

export async function deleteRevokedKeysOlderThan(db: Executor, days: number): Promise<number> {
  const res = await db
    .deleteFrom('api_keys')
    .where('revoked_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst()
  return Number(res.numDeletedRows)
}
