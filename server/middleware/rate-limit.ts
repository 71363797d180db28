import type { NextFunction, Request, Response } from 'express'
import { isContinuaError } from '../../src/errors.js'
import type { RateLimiter } from '../../src/ratelimit/index.js'
import { principalOf } from './auth.js'

// Thin translation of src/ratelimit: a refused request becomes 429 rate_limited in the usual
// envelope, with Retry-After in whole seconds.

function refuse(res: Response, next: NextFunction, err: unknown): void {
  if (isContinuaError(err) && err.code === 'rate_limited') {
    const details = err.details as { retry_after_seconds?: number } | undefined
    res.setHeader('Retry-After', String(details?.retry_after_seconds ?? 1))
  }
  next(err)
}

/** Before authentication: a peer that keeps failing to authenticate is turned away without a database lookup. */
export function limitFailedAuth(limiter: RateLimiter) {
  return (req: Request, res: Response, next: NextFunction) => {
    const peer = req.socket.remoteAddress
    try {
      limiter.checkPeer(peer)
    } catch (err) {
      return refuse(res, next, err)
    }
    res.on('finish', () => {
      if (res.statusCode === 401) limiter.chargePeer(peer)
    })
    next()
  }
}

/** After authentication: one token of the API key's bucket per request. */
export function limitPerKey(limiter: RateLimiter) {
  return (_req: Request, res: Response, next: NextFunction) => {
    try {
      limiter.checkPrincipal(principalOf(res))
    } catch (err) {
      return refuse(res, next, err)
    }
    next()
  }
}
