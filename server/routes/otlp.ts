import { Router, type NextFunction, type Request, type Response } from 'express'
import type { Kysely } from 'kysely'
import { resolveScope } from '../../src/auth/principal.js'
import type { DB } from '../../src/db/schema.js'
import { ContinuaError } from '../../src/errors.js'
import type { Logger } from '../../src/logger.js'
import { bodyEncoding, otlpFormat, readOtlpBody, type OtlpFormat } from '../../src/otlp/body.js'
import { exportTraces } from '../../src/otlp/export.js'
import { encodeProtobufTraceResponse, encodeRpcStatus, RPC_CODE } from '../../src/otlp/protobuf.js'
import { principalOf } from '../middleware/auth.js'
import { toContinuaError } from '../middleware/errors.js'

// OTLP/HTTP on the main port. Bodies are read here (not by the JSON parser: they may be protobuf,
// compressed, or hold integers JSON.parse would round). Answers use the request's encoding:
// ExportTraceServiceResponse on success, google.rpc.Status for protobuf errors.

const TRACE_PATHS = ['/v1/traces', '/api/otel/v1/traces']
const NOOP_PATHS = ['/v1/metrics', '/v1/logs', '/api/otel/v1/metrics', '/api/otel/v1/logs']

/** Paths whose bodies the OTLP router reads itself; the app's JSON parser skips them. */
export function isOtlpPath(path: string): boolean {
  return TRACE_PATHS.includes(path) || NOOP_PATHS.includes(path)
}

export interface OtlpRouteOptions {
  maxBodyBytes: number
  maxPayloadBytes?: number
  logger: Logger
}

const CONTENT_TYPES: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' }

export function otlpRoutes(db: Kysely<DB>, options: OtlpRouteOptions): Router {
  const router = Router()

  router.post(TRACE_PATHS, async (req, res, next) => {
    const format = otlpFormat(req.get('content-type'))
    try {
      const projectId = projectOf(req, res)
      const body = await readOtlpBody(req, bodyEncoding(req.get('content-encoding')), options.maxBodyBytes, declaredLength(req))
      const result = await exportTraces(db, projectId, body, format, { logger: options.logger, maxPayloadBytes: options.maxPayloadBytes })
      const partial = result.rejectedSpans > 0 || result.errorMessage ? { rejectedSpans: result.rejectedSpans, errorMessage: result.errorMessage } : undefined
      res.status(200).type(CONTENT_TYPES[format])
      if (format === 'protobuf') res.send(encodeProtobufTraceResponse(partial))
      else res.send(JSON.stringify(partial ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {}))
    } catch (err) {
      sendOtlpError(err, format, req, res, next, options.logger)
    }
  })

  // Accepted and discarded, so an SDK that exports all signals to one endpoint sees no errors.
  router.post(NOOP_PATHS, async (req, res, next) => {
    const format = otlpFormat(req.get('content-type'))
    try {
      projectOf(req, res)
      await readOtlpBody(req, bodyEncoding(req.get('content-encoding')), options.maxBodyBytes, declaredLength(req))
      res.status(200).type(CONTENT_TYPES[format]).send(format === 'protobuf' ? Buffer.alloc(0) : '{}')
    } catch (err) {
      sendOtlpError(err, format, req, res, next, options.logger)
    }
  })

  return router
}

/** OTLP writes, like /v1/ingest, need a project API key: it names the project. */
function projectOf(req: Request, res: Response): string {
  const principal = principalOf(res)
  if (principal.kind !== 'api_key') {
    throw new ContinuaError('api_key_required', 'OTLP export needs a project API key (X-API-Key or Authorization: Bearer <key>)')
  }
  return resolveScope(principal, req.query.project_id)!
}

function declaredLength(req: Request): number | undefined {
  const raw = req.get('content-length')
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined
}

/** JSON requests get the usual error envelope; protobuf ones a google.rpc.Status. */
function sendOtlpError(err: unknown, format: OtlpFormat, req: Request, res: Response, next: NextFunction, logger: Logger): void {
  const known = toContinuaError(err)
  // OTLP exporters retry 429/503 and honour Retry-After.
  if (!res.headersSent && known && (known.httpStatus === 429 || known.httpStatus === 503)) res.set('Retry-After', '1')
  if (format === 'json' || res.headersSent) return next(err)
  if (!known) logger.error('unhandled error', { request_id: res.locals.requestId, path: req.path, error: err })
  const error = known ?? new ContinuaError('internal_error', 'Internal server error')
  const status = error.httpStatus
  const code = status === 413 ? RPC_CODE.resourceExhausted : status === 401 ? RPC_CODE.unauthenticated : status === 403 ? RPC_CODE.permissionDenied : status >= 500 ? RPC_CODE.internal : RPC_CODE.invalidArgument
  res.status(status).type(CONTENT_TYPES.protobuf).send(encodeRpcStatus(code, error.message))
}
