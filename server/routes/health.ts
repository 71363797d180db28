import { Router } from 'express'
import { sql, type Kysely } from 'kysely'
import type { AuthConfigResponse, HealthResponse } from '../../src/contract/common.js'
import type { DB } from '../../src/db/schema.js'
import { localModeActive, type AuthSettings } from '../../src/auth/principal.js'
import { VERSION } from '../../src/version.js'

const DB_CHECK_TIMEOUT_MS = 2000

/** Answers within the timeout whether the database responds to a trivial query. */
export async function databaseReachable(db: Kysely<DB>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DB_CHECK_TIMEOUT_MS))),
    ])
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

export function publicRoutes(db: Kysely<DB>, auth: AuthSettings): Router {
  const router = Router()
  router.get('/api/health', async (_req, res) => {
    const ok = await databaseReachable(db)
    const body: HealthResponse = { status: ok ? 'ok' : 'unavailable', version: VERSION, database: ok ? 'ok' : 'unreachable' }
    res.status(ok ? 200 : 503).json(body)
  })
  router.get('/api/auth/config', (req, res) => {
    const oidc = auth.oidcClient
    const body: AuthConfigResponse = {
      // Demo mode never offers a login (as in the reference).
      enabled: Boolean(oidc?.clientId) && !auth.demoProjectId,
      public_demo_enabled: Boolean(auth.demoProjectId),
      local_mode_enabled: localModeActive(req.socket.remoteAddress, auth),
      admin_token_configured: Boolean(auth.adminToken),
    }
    if (oidc?.clientId && !auth.demoProjectId) {
      Object.assign(body, { oidc_issuer: oidc.issuer, oidc_client_id: oidc.clientId, oidc_audience: oidc.audience, oidc_scopes: oidc.scopes, oidc_provider_name: hostOf(oidc.issuer) })
    }
    if (auth.demoProjectId) Object.assign(body, { public_demo_label: auth.demoLabel ?? 'Public demo', public_demo_project_id: auth.demoProjectId })
    res.json(body)
  })
  return router
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}
