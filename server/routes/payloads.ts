import { promisify } from 'node:util'
import { gunzip as gunzipCb } from 'node:zlib'
import { Router } from 'express'
import type { Kysely } from 'kysely'
import { resolveScope } from '../../src/auth/principal.js'
import { Uuid } from '../../src/contract/common.js'
import { isPayloadField, readFullPayload, type PayloadOwnerKind } from '../../src/db/payload-originals.js'
import type { DB } from '../../src/db/schema.js'
import { ContinuaError } from '../../src/errors.js'
import { principalOf } from '../middleware/auth.js'

// GET /api/traces/{trace}/payloads/{trace|span|event}/{owner}/{input|output|metadata|payload}:
// the full value of a payload, including the original of one that was truncated for storage.

const gunzip = promisify(gunzipCb)
const KINDS = new Set<PayloadOwnerKind>(['trace', 'span', 'event'])

export function payloadRoutes(db: Kysely<DB>): Router {
  const router = Router()
  router.get('/api/traces/:traceId/payloads/:kind/:ownerId/:field', async (req, res) => {
    const scope = resolveScope(principalOf(res), req.query.project_id)
    const { traceId, kind, ownerId, field } = req.params
    if (!KINDS.has(kind as PayloadOwnerKind)) {
      throw new ContinuaError('invalid_request', `Unknown payload owner "${kind.slice(0, 32)}"; expected trace, span or event`)
    }
    const ownerKind = kind as PayloadOwnerKind
    if (!isPayloadField(ownerKind, field)) {
      throw new ContinuaError('invalid_request', `A ${ownerKind} has no payload field "${field.slice(0, 32)}"`)
    }
    const notFound = () => new ContinuaError('payload_not_found', `No ${field} payload for ${ownerKind} ${ownerId.slice(0, 64)} in trace ${traceId.slice(0, 64)}`)
    if (!Uuid.safeParse(traceId).success || !Uuid.safeParse(ownerId).success) throw notFound()
    const found = await readFullPayload(db, scope, traceId, ownerKind, ownerId, field)
    if (!found) throw notFound()
    const body = found.originalGzip ? await gunzip(found.originalGzip) : Buffer.from(found.json, 'utf8')
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.setHeader('X-Continua-Truncated-In-Storage', String(found.truncatedInStorage))
    res.setHeader('X-Continua-Payload-Bytes', String(body.length))
    res.status(200).end(body)
  })
  return router
}
