import express, { Router, type RequestHandler } from 'express'
import type { Kysely } from 'kysely'
import type { Principal } from '../../src/auth/principal.js'
import { resolveScope } from '../../src/auth/principal.js'
import type { IngestSettings } from '../../src/config.js'
import { Uuid } from '../../src/contract/common.js'
import { dropNullFields, IngestRequest } from '../../src/contract/ingest.js'
import { parseInput } from '../../src/contract/validate.js'
import type { DB } from '../../src/db/schema.js'
import { ContinuaError } from '../../src/errors.js'
import { acceptAsync, batchStatus } from '../../src/ingest/batches.js'
import { hashBody, ingestValidated } from '../../src/ingest/index.js'
import { assertJsonDepth, assertStorableStrings } from '../../src/ingest/guards.js'
import type { Logger } from '../../src/logger.js'
import { principalOf } from '../middleware/auth.js'

// POST /v1/ingest and GET /v1/ingest/batches/{id}. API keys only: the key names the project, so
// an operator (admin token or local mode) is refused rather than guessing one.

export const ASYNC_VERSION_HEADER = 'x-continua-async-version'

/** The body parser for /v1/ingest: raw bytes (for the body hash and async storage), own cap. */
export function ingestBodyParser(settings: IngestSettings): RequestHandler {
  return express.raw({ type: () => true, limit: settings.maxBodyBytes })
}

function requireApiKey(principal: Principal, query: unknown): string {
  if (principal.kind !== 'api_key') {
    throw new ContinuaError('api_key_required', 'Ingest needs a project API key (X-API-Key or Authorization: Bearer <key>)')
  }
  return resolveScope(principal, query)!
}

type Mode = 'sync' | 'async' | 'server_default'

function chooseMode(syncParam: unknown, header: string | undefined, settings: IngestSettings): Mode {
  if (header !== undefined && header.trim() !== '2') {
    throw new ContinuaError(
      'unsupported_async_version',
      `Unsupported X-Continua-Async-Version "${header.slice(0, 32)}"; the only supported value is 2`,
    )
  }
  if (syncParam === 'true' || syncParam === '1') return 'sync'
  if (header !== undefined) return 'async'
  return settings.defaultMode === 'async' ? 'async' : 'server_default'
}

function parseBody(text: string): unknown {
  if (text.length === 0) throw new ContinuaError('invalid_json', 'Request body is empty; expected a JSON object with batch_key')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ContinuaError('invalid_json', `Request body is not valid JSON: ${(err as Error).message}`)
  }
}

export function ingestRoutes(db: Kysely<DB>, settings: IngestSettings, logger: Logger): Router {
  const router = Router()

  router.post('/v1/ingest', async (req, res) => {
    const projectId = requireApiKey(principalOf(res), req.query.project_id)
    const mode = chooseMode(req.query.sync, req.get(ASYNC_VERSION_HEADER), settings)
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const text = raw.toString('utf8')
    assertJsonDepth(text)
    const request = parseInput(IngestRequest, dropNullFields(parseBody(text)))
    assertStorableStrings(request, text)
    const bodyHash = hashBody(raw)

    if (mode === 'async') {
      res.status(202).json(await acceptAsync(db, projectId, request.batch_key, raw, bodyHash))
      return
    }
    const result = await ingestValidated(db, projectId, request, {
      mode,
      bodyHash,
      maxPayloadBytes: settings.maxPayloadBytes,
      logger,
      stringsChecked: true,
    })
    if (mode === 'sync') {
      res.status(200).json(result)
      return
    }
    // Server default: processed inline, answered with the reference's 202 shape.
    res.status(202).json({ status: result.status === 'duplicate' ? 'duplicate' : 'accepted', batch_key: result.batch_key, batch_id: result.batch_id })
  })

  router.get('/v1/ingest/batches/:id', async (req, res) => {
    const projectId = requireApiKey(principalOf(res), req.query.project_id)
    const id = Uuid.safeParse(req.params.id)
    if (!id.success) throw new ContinuaError('batch_not_found', `Ingest batch ${req.params.id.slice(0, 64)} not found (ids are UUIDs)`)
    res.json(await batchStatus(db, projectId, id.data.toLowerCase()))
  })

  return router
}
