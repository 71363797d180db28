import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backoffDelay, parseRetryAfter } from '../../sdks/typescript/src/index.js'

// The retry arithmetic of the TypeScript SDK (the HTTP behaviour is tested against the server in
// typescript-tracing.test.ts).

describe('TS SDK retry policy', () => {
  const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 }

  it('backs off exponentially within [ceiling/2, ceiling], capped at maxDelayMs', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0)), [50, 100, 200, 400, 500])
    assert.deepEqual([0, 1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1)), [100, 200, 400, 800, 1000])
    const samples = Array.from({ length: 200 }, () => backoffDelay(2, policy))
    assert.ok(samples.every((d) => d >= 200 && d <= 400))
    assert.ok(new Set(samples).size > 20, 'jittered')
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000)
    assert.equal(parseRetryAfter('0.5'), 500)
    const now = Date.parse('2026-01-01T00:00:00Z')
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000)
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0, 'a date in the past means now')
    assert.equal(parseRetryAfter('soon'), undefined)
    assert.equal(parseRetryAfter(null), undefined)
  })
})
