import type { NextFunction, Request, Response } from 'express'
import type { Kysely } from 'kysely'
import { authenticate, type AuthSettings, type Principal } from '../../src/auth/principal.js'
import type { DB } from '../../src/db/schema.js'
import { ContinuaError } from '../../src/errors.js'

// Translates headers and the TCP peer into a Principal on res.locals. The peer address is the
// socket's own, never X-Forwarded-For, so local mode cannot be spoofed through a proxy header.
// A public demo server is strictly read-only: every mutation is refused, whoever asks.

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function authMiddleware(db: Kysely<DB>, settings: AuthSettings) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (settings.demoProjectId && !READS.has(req.method)) {
      throw new ContinuaError('demo_read_only', 'This is a read-only public demo: changes are disabled')
    }
    const authz = req.get('authorization')
    const bearerMatch = authz ? /^Bearer\s+(.+)$/i.exec(authz.trim()) : null
    const principal = await authenticate(
      db,
      { apiKey: req.get('x-api-key'), bearer: bearerMatch ? bearerMatch[1] : authz !== undefined ? '' : undefined },
      req.socket.remoteAddress,
      settings,
    )
    res.locals.principal = principal
    next()
  }
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal
}
