import type { Kysely } from 'kysely'
import { displayPrefix, generateApiKey, hashApiKey } from './auth/keys.js'
import type { ApiKey, ApiKeyWithSecret, Project, ProjectWithKey, UpdateProjectRequest } from './contract/projects.js'
import * as q from './db/projects.js'
import type { ApiKeyRow, DB, ProjectRow } from './db/schema.js'
import { ContinuaError } from './errors.js'

// Project and API key operations shared by the REST routes and the `continua projects` commands.

export function projectRowToProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    is_default: row.is_default,
    retention_days: retentionDays(row.settings),
    created_at: row.created_at.toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  }
}

export function apiKeyRowToApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    prefix: row.display_prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    revoked_at: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  }
}

async function issueKey(db: Kysely<DB>, projectId: string, name: string): Promise<{ row: ApiKeyRow; plaintext: string }> {
  const plaintext = generateApiKey()
  const row = await q.insertApiKey(db, { projectId, name, hash: hashApiKey(plaintext), prefix: displayPrefix(plaintext) })
  return { row, plaintext }
}

export async function createProject(db: Kysely<DB>, name: string, options: { isDefault?: boolean } = {}): Promise<ProjectWithKey> {
  return db.transaction().execute(async (trx) => {
    const project = await q.insertProject(trx, name, options.isDefault)
    const { plaintext } = await issueKey(trx, project.id, 'default')
    return { ...projectRowToProject(project), api_key: plaintext }
  })
}

export async function requireProject(db: Kysely<DB>, id: string): Promise<ProjectRow> {
  const project = await q.getProject(db, id)
  if (!project) throw new ContinuaError('project_not_found', `Project ${id} not found`)
  return project
}

export async function listProjects(db: Kysely<DB>, onlyId?: string): Promise<Project[]> {
  return (await q.listProjects(db, onlyId)).map(projectRowToProject)
}

function retentionDays(settings: unknown): number | null {
  const value = (settings as { retention_days?: unknown } | null)?.retention_days
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : null
}

/** Renames a project and/or sets its trace retention (null: keep forever). */
export async function updateProject(db: Kysely<DB>, id: string, change: UpdateProjectRequest): Promise<Project> {
  const settings = change.retention_days !== undefined ? { retention_days: change.retention_days } : undefined
  const row = await q.updateProject(db, id, { name: change.name, settings })
  if (!row) throw new ContinuaError('project_not_found', `Project ${id} not found`)
  return projectRowToProject(row)
}

/** Deletes a project and everything it owns. The default project needs `force`. */
export async function deleteProject(db: Kysely<DB>, id: string, options: { force?: boolean } = {}): Promise<void> {
  const project = await requireProject(db, id)
  if (project.is_default && !options.force) {
    throw new ContinuaError('default_project_protected', `Project "${project.name}" is the default project and cannot be deleted`)
  }
  await q.deleteProject(db, id)
}

/** Revokes every active key of the project and issues one new key; the old keys stop working at once. */
export async function rotateProjectKey(db: Kysely<DB>, id: string): Promise<ProjectWithKey> {
  return db.transaction().execute(async (trx) => {
    const project = await q.getProject(trx, id)
    if (!project) throw new ContinuaError('project_not_found', `Project ${id} not found`)
    await q.revokeApiKeys(trx, id)
    const { plaintext } = await issueKey(trx, id, 'default')
    await q.touchProject(trx, id)
    return { ...projectRowToProject(project), api_key: plaintext }
  })
}

export async function createApiKey(db: Kysely<DB>, projectId: string, name: string): Promise<ApiKeyWithSecret> {
  await requireProject(db, projectId)
  const { row, plaintext } = await issueKey(db, projectId, name)
  return { ...apiKeyRowToApiKey(row), api_key: plaintext }
}

export async function listApiKeys(db: Kysely<DB>, projectId: string): Promise<ApiKey[]> {
  await requireProject(db, projectId)
  return (await q.listApiKeys(db, projectId)).map(apiKeyRowToApiKey)
}

export async function revokeApiKey(db: Kysely<DB>, projectId: string, keyId: string): Promise<void> {
  const key = await q.getApiKey(db, projectId, keyId)
  if (!key) throw new ContinuaError('key_not_found', `API key ${keyId} not found in project ${projectId}`)
  await q.revokeApiKeys(db, projectId, keyId)
}

/**
 * Finds a project by id, or by exact name when the name is unique. Used by the CLI so an
 * operator can type `continua projects delete demo`.
 */
export async function resolveProject(db: Kysely<DB>, idOrName: string): Promise<ProjectRow> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName)) {
    const byId = await q.getProject(db, idOrName)
    if (byId) return byId
  }
  const byName = await q.findProjectsByName(db, idOrName)
  if (byName.length === 1) return byName[0]!
  if (byName.length > 1) {
    throw new ContinuaError('invalid_request', `${byName.length} projects are named "${idOrName}"; use the project id instead`)
  }
  throw new ContinuaError('project_not_found', `No project with id or name "${idOrName}"`)
}

/**
 * On an empty database, creates the `default` project with one key and returns it; otherwise
 * returns undefined. Safe when several processes start at once (only one default can exist).
 */
export async function bootstrapDefaultProject(db: Kysely<DB>): Promise<ProjectWithKey | undefined> {
  if ((await q.countProjects(db)) > 0) return undefined
  try {
    return await createProject(db, 'default', { isDefault: true })
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return undefined // another process won the race
    throw err
  }
}

const TOUCH_INTERVAL_MS = 60_000

/** Resolves a plaintext key to its project; `last_used_at` is refreshed at most once a minute. */
export async function authenticateApiKey(db: Kysely<DB>, plaintext: string): Promise<{ projectId: string; keyId: string } | undefined> {
  const found = await q.findActiveKeyByHash(db, hashApiKey(plaintext))
  if (!found) return undefined
  const last = found.last_used_at ? new Date(found.last_used_at).getTime() : 0
  if (Date.now() - last > TOUCH_INTERVAL_MS) await q.markKeyUsed(db, found.key_id)
  return { projectId: found.project_id, keyId: found.key_id }
}
