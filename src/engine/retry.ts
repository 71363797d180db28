import type { RetryPolicy } from './types.js'

// Activity retry arithmetic, shared by the local dispatcher, remote fail API and test env.

export interface ResolvedRetry {
  initialInterval: number
  backoffCoefficient: number
  maxInterval: number
  maxAttempts: number
  nonRetryableErrors: string[]
  jitter: number
}

export function resolveRetry(policy: RetryPolicy | undefined): ResolvedRetry {
  const initialInterval = clamp(policy?.initialInterval ?? 1000, 1, 86_400_000)
  return {
    initialInterval,
    backoffCoefficient: clamp(policy?.backoffCoefficient ?? 2, 1, 100),
    maxInterval: clamp(policy?.maxInterval ?? Math.max(initialInterval, 100 * initialInterval), initialInterval, 86_400_000 * 7),
    maxAttempts: Math.floor(clamp(policy?.maxAttempts ?? 3, 1, 10_000)),
    nonRetryableErrors: policy?.nonRetryableErrors ?? [],
    jitter: clamp(policy?.jitter ?? 0, 0, 1),
  }
}

/** Delay before the attempt after `failedAttempt` (1-based). `rand` is injectable for tests. */
export function retryDelay(policy: ResolvedRetry, failedAttempt: number, rand: () => number = Math.random): number {
  const base = Math.min(policy.initialInterval * policy.backoffCoefficient ** (failedAttempt - 1), policy.maxInterval)
  return Math.ceil(base * (1 + policy.jitter * rand()))
}

export function shouldRetry(policy: ResolvedRetry, attempt: number, code: string, nonRetryable: boolean): boolean {
  return !nonRetryable && attempt < policy.maxAttempts && !policy.nonRetryableErrors.includes(code)
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : lo
}
