import type { Principal } from '../auth/principal.js'
import type { RateLimitSettings } from '../config.js'
import { ContinuaError } from '../errors.js'
import { TokenBuckets } from './token-bucket.js'

// The rate-limiting policy: API-key callers by key, callers whose credentials failed by peer
// address (so guessing keys is slow), operators (admin token, local mode) never.

export const RATE_LIMITS_OFF: RateLimitSettings = Object.freeze({ perKeyPerSecond: 0, perKeyBurst: 0, perPeerPerSecond: 0, perPeerBurst: 0 })

export type { RateLimitSettings }

export class RateLimiter {
  private readonly byKey?: TokenBuckets
  private readonly byPeer?: TokenBuckets

  constructor(settings: RateLimitSettings, now: () => number = Date.now) {
    if (settings.perKeyPerSecond > 0) {
      this.byKey = new TokenBuckets({ ratePerSecond: settings.perKeyPerSecond, burst: Math.max(1, settings.perKeyBurst) }, now)
    }
    if (settings.perPeerPerSecond > 0) {
      this.byPeer = new TokenBuckets({ ratePerSecond: settings.perPeerPerSecond, burst: Math.max(1, settings.perPeerBurst) }, now)
    }
  }

  get enabled(): boolean {
    return Boolean(this.byKey || this.byPeer)
  }

  /** Before authentication: refuses a peer that has used up its failed attempts. */
  checkPeer(peer: string | undefined): void {
    if (!this.byPeer) return
    const r = this.byPeer.peek(`peer:${peer ?? 'unknown'}`)
    if (!r.allowed) throw limited(r.retryAfterSeconds, 'Too many requests without valid credentials from this address')
  }

  /** After a request that failed authentication: spends one of the peer's attempts. */
  chargePeer(peer: string | undefined): void {
    this.byPeer?.take(`peer:${peer ?? 'unknown'}`)
  }

  /** After authentication: spends one token of the API key's bucket, or refuses. */
  checkPrincipal(principal: Principal): void {
    if (!this.byKey || principal.kind !== 'api_key') return
    const r = this.byKey.take(`key:${principal.keyId}`)
    if (!r.allowed) throw limited(r.retryAfterSeconds, 'Too many requests for this API key')
  }
}

function limited(retryAfterSeconds: number, what: string): ContinuaError {
  return new ContinuaError('rate_limited', `${what}; retry after ${retryAfterSeconds} s`, { retry_after_seconds: retryAfterSeconds })
}
