// In-memory token buckets, one per key (an API key id or a peer address). Each `serve` instance
// keeps its own: with N instances behind a balancer a caller gets up to N times the limit. That is
// the documented trade: no database round trip on every request, and a limiter that keeps working
// while Postgres is unreachable.

export interface BucketSettings {
  /** Tokens added per second (sustained requests per second). */
  ratePerSecond: number
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  burst: number
}

export interface TakeResult {
  allowed: boolean
  /** Whole seconds until one token is available again (0 when allowed). */
  retryAfterSeconds: number
  remaining: number
}

interface Bucket {
  tokens: number
  updatedAt: number
}

/** Beyond this many tracked keys, idle full buckets are dropped first, then the oldest. */
const MAX_KEYS = 100_000

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    readonly settings: BucketSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (!(settings.ratePerSecond > 0) || !(settings.burst >= 1)) throw new Error('a token bucket needs a positive rate and a burst of at least 1')
  }

  /** Takes one token for `key` if there is one. */
  take(key: string): TakeResult {
    const bucket = this.refill(key)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) }
    }
    return { allowed: false, retryAfterSeconds: this.wait(bucket), remaining: 0 }
  }

  /** Whether `key` has no token left, without spending one. */
  peek(key: string): TakeResult {
    const bucket = this.buckets.get(key)
    if (!bucket) return { allowed: true, retryAfterSeconds: 0, remaining: this.settings.burst }
    this.refill(key)
    return bucket.tokens >= 1
      ? { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) }
      : { allowed: false, retryAfterSeconds: this.wait(bucket), remaining: 0 }
  }

  get size(): number {
    return this.buckets.size
  }

  private wait(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.settings.ratePerSecond))
  }

  private refill(key: string): Bucket {
    const t = this.now()
    let bucket = this.buckets.get(key)
    if (!bucket) {
      if (this.buckets.size >= MAX_KEYS) this.evict(t)
      bucket = { tokens: this.settings.burst, updatedAt: t }
      this.buckets.set(key, bucket)
      return bucket
    }
    const elapsed = Math.max(0, t - bucket.updatedAt) / 1000
    bucket.tokens = Math.min(this.settings.burst, bucket.tokens + elapsed * this.settings.ratePerSecond)
    bucket.updatedAt = t
    return bucket
  }

  private evict(t: number): void {
    const fullAfterMs = (this.settings.burst / this.settings.ratePerSecond) * 1000
    for (const [key, b] of this.buckets) if (t - b.updatedAt >= fullAfterMs) this.buckets.delete(key)
    // Still full of active keys: drop the oldest tenth (Map iterates in insertion order).
    if (this.buckets.size >= MAX_KEYS) {
      let n = Math.ceil(MAX_KEYS / 10)
      for (const key of this.buckets.keys()) {
        if (n-- <= 0) break
        this.buckets.delete(key)
      }
    }
  }
}
