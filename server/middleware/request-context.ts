import { randomUUID } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import type { Logger } from '../../src/logger.js'

// Gives every request an id (honouring a sane incoming X-Request-Id), echoes it back, and
// writes one structured log line when the response finishes.

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id')
    const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID()
    res.locals.requestId = id
    res.setHeader('X-Request-Id', id)
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const fields = { request_id: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }
      if (res.statusCode >= 500) logger.error('request failed', fields)
      else logger.debug('request', fields)
    })
    next()
  }
}
