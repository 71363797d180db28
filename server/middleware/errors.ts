import type { NextFunction, Request, Response } from 'express'
import type { ErrorBody } from '../../src/contract/common.js'
import { ContinuaError, isContinuaError } from '../../src/errors.js'
import type { Logger } from '../../src/logger.js'

// The one place an error becomes an HTTP response: `{code, message, details?}` with the status
// from the error-code table. Unknown errors are logged with their stack and answered as a
// plain 500 that reveals nothing.

export function sendError(res: Response, err: ContinuaError): void {
  const body: ErrorBody = { code: err.code, message: err.message, request_id: res.locals.requestId as string | undefined }
  if (err.details !== undefined) body.details = err.details
  res.status(err.httpStatus).json(body)
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = toContinuaError(err)
    if (!known) {
      logger.error('unhandled error', { request_id: res.locals.requestId, path: req.path, error: err })
    }
    if (res.headersSent) {
      res.end()
      return
    }
    sendError(res, known ?? new ContinuaError('internal_error', 'Internal server error'))
  }
}

/** Maps errors raised by body parsers and the database to our codes; undefined when unknown. */
export function toContinuaError(err: unknown): ContinuaError | undefined {
  if (isContinuaError(err)) return err
  const e = err as { type?: string; status?: number; code?: string; message?: string; limit?: number }
  if (e?.type === 'entity.parse.failed') return new ContinuaError('invalid_json', `Request body is not valid JSON: ${e.message}`)
  if (e?.type === 'entity.too.large') {
    return new ContinuaError('payload_too_large', `Request body exceeds the ${e.limit ?? 'configured'} byte limit`)
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new ContinuaError('unsupported_media_type', e.message ?? 'Unsupported content encoding')
  }
  if (e?.type === 'request.aborted') return new ContinuaError('invalid_request', 'Request was aborted by the client')
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ContinuaError('invalid_request', e.message ?? 'Bad request')
  }
  if (e?.code === 'ECONNREFUSED' || e?.code === '57P01' || e?.code === '57P03' || e?.code === '08006' || e?.code === '08003') {
    return new ContinuaError('database_unavailable', 'The database is unavailable; try again shortly')
  }
  if (e?.message === 'timeout exceeded when trying to connect' || e?.message === 'Connection terminated unexpectedly') {
    return new ContinuaError('database_unavailable', 'The database is unavailable; try again shortly')
  }
  return undefined
}

export function notFound(req: Request, res: Response): void {
  sendError(res, new ContinuaError('not_found', `No route for ${req.method} ${req.path}`))
}
