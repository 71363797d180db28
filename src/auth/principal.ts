import type { Kysely } from 'kysely'
import { isLoopbackHost } from '../config.js'
import type { DB } from '../db/schema.js'
import { ContinuaError } from '../errors.js'
import { authenticateApiKey } from '../projects.js'
import { secretsEqual } from './keys.js'
import { looksLikeJwt, type OidcVerifier } from './oidc.js'

// Who is calling:
//  - a project API key (X-API-Key, or Authorization: Bearer) binds the caller to that project;
//  - the admin token as a bearer makes the caller an operator across projects;
//  - a JWT from the configured OpenID Connect provider (allow-listed email) makes an operator too;
//  - with no admin token configured, a server bound to loopback treats a loopback peer that sends
//    no credentials as the local operator (the debugger on your own machine);
//  - in public demo mode a caller without credentials reads the demo project (bound like an API
//    key, so every project check applies); the middleware refuses all mutations there.

export type Principal =
  | { kind: 'api_key'; projectId: string; keyId: string; demo?: true }
  | { kind: 'operator'; via: 'admin_token' | 'local' | 'oidc'; email?: string }

export interface Credentials {
  apiKey?: string
  bearer?: string
}

export interface AuthSettings {
  adminToken: string | undefined
  /** Address the server is bound to. */
  host: string
  /** Verifies operator JWTs when OpenID Connect login is configured. */
  oidc?: OidcVerifier
  /** Public demo mode: the project readable without credentials. */
  demoProjectId?: string
  demoLabel?: string
  /** What the debugger needs to start an OIDC login (published by /api/auth/config). */
  oidcClient?: { issuer: string; clientId: string | undefined; audience: string; scopes: string }
}

export async function authenticate(
  db: Kysely<DB>,
  creds: Credentials,
  peerAddress: string | undefined,
  settings: AuthSettings,
): Promise<Principal> {
  // An explicit API key wins over a bearer, as in the reference.
  if (creds.apiKey !== undefined) return byApiKey(db, creds.apiKey)
  if (creds.bearer !== undefined) {
    if (settings.adminToken && secretsEqual(creds.bearer, settings.adminToken)) return { kind: 'operator', via: 'admin_token' }
    if (settings.oidc && looksLikeJwt(creds.bearer.trim())) {
      const identity = await settings.oidc.verify(creds.bearer.trim())
      return { kind: 'operator', via: 'oidc', email: identity.email }
    }
    return byApiKey(db, creds.bearer)
  }
  if (settings.demoProjectId) return { kind: 'api_key', projectId: settings.demoProjectId, keyId: 'public-demo', demo: true }
  if (localModeActive(peerAddress, settings)) return { kind: 'operator', via: 'local' }
  throw new ContinuaError('missing_credentials', 'Missing credentials: send an API key in X-API-Key or Authorization: Bearer')
}

async function byApiKey(db: Kysely<DB>, key: string): Promise<Principal> {
  const trimmed = key.trim()
  if (!trimmed) throw new ContinuaError('missing_api_key', 'The API key is empty')
  const found = await authenticateApiKey(db, trimmed)
  if (!found) throw new ContinuaError('invalid_api_key', 'Invalid API key (unknown, revoked or rotated)')
  return { kind: 'api_key', projectId: found.projectId, keyId: found.keyId }
}

/** Local mode: no admin token configured, the server bound to loopback, and a loopback peer. */
export function localModeActive(peerAddress: string | undefined, settings: AuthSettings): boolean {
  return !settings.adminToken && !settings.demoProjectId && isLoopbackHost(settings.host) && peerAddress !== undefined && isLoopbackHost(peerAddress)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The project a request is scoped to. API-key callers are always bound to their key's project
 * (a different `project_id` is refused). Operators select one with `project_id`; without it
 * they are unbounded, unless the route needs a project.
 */
export function resolveScope(principal: Principal, projectIdParam: unknown, options: { required?: boolean } = {}): string | undefined {
  const given = typeof projectIdParam === 'string' ? projectIdParam : Array.isArray(projectIdParam) ? String(projectIdParam[0]) : undefined
  if (given !== undefined) {
    if (given.trim() === '') throw new ContinuaError('missing_project_id', 'project_id is empty')
    if (!UUID.test(given)) throw new ContinuaError('invalid_project_id', `project_id must be a UUID, got "${given.slice(0, 64)}"`)
  }
  if (principal.kind === 'api_key') {
    if (given !== undefined && given.toLowerCase() !== principal.projectId) {
      throw new ContinuaError('project_scope_mismatch', 'project_id does not match the project of this API key')
    }
    return principal.projectId
  }
  if (given === undefined && options.required) {
    throw new ContinuaError('missing_project_id', 'project_id is required for this request')
  }
  return given?.toLowerCase()
}

/** Refuses callers that are not operators. */
export function requireOperator(principal: Principal, action: string): void {
  if (principal.kind !== 'operator') {
    throw new ContinuaError('operator_required', `Only an operator (admin token or local mode) can ${action}`)
  }
}

/** For routes naming a project in the path: an API key only ever sees its own project. */
export function assertProjectVisible(principal: Principal, projectId: string): void {
  if (principal.kind === 'api_key' && principal.projectId !== projectId.toLowerCase()) {
    throw new ContinuaError('project_not_found', `Project ${projectId} not found`)
  }
}
