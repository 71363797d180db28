// HTTP with bounded retries. Network errors, timeouts, 5xx and 429 are retried with exponential
// backoff and jitter (a Retry-After header, when sent, sets the wait); other 4xx are final.

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
}

export interface HttpOptions {
  endpoint: string
  apiKey?: string
  timeoutMs: number
  retry: RetryOptions
  fetch?: typeof fetch
  /** Extra headers on every request. */
  headers?: Record<string, string>
}

/** An answer the server gave with a non-2xx status, or a request that never got one. */
export class ContinuaApiError extends Error {
  override readonly name = 'ContinuaApiError'
  constructor(
    message: string,
    /** HTTP status, or 0 when no response arrived. */
    readonly status: number,
    /** The server's error code (`validation_error`, `run_not_found`, …) or `network_error`. */
    readonly code: string,
    readonly body?: unknown,
    /** Attempts made, retries included. */
    readonly attempts = 1,
  ) {
    super(message)
  }

  get retryable(): boolean {
    return isRetryableStatus(this.status)
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 429 || status >= 500
}

/** Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date), if any. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Backoff for retry number `attempt` (0-based): exponential, capped, with half-range jitter. */
export function backoffDelay(attempt: number, retry: RetryOptions, random = Math.random): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** CONTINUA_ENDPOINT, else CONTINUA_API_URL (what the CLI reads), else http://localhost:8080. */
export function defaultEndpoint(): string {
  return process.env.CONTINUA_ENDPOINT || process.env.CONTINUA_API_URL || 'http://localhost:8080'
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface HttpResponse<T = unknown> {
  status: number
  body: T
  headers: Headers
}

export async function requestJson<T = any>(
  options: HttpOptions,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; retry?: boolean } = {},
): Promise<HttpResponse<T>> {
  const url = options.endpoint.replace(/\/+$/, '') + path
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...init.headers }
  if (options.apiKey) headers['x-api-key'] = options.apiKey
  // Serialised once so every retry sends identical bytes (the server hashes batch bodies).
  const body = init.body === undefined ? undefined : JSON.stringify(init.body)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const doFetch = options.fetch ?? fetch
  const maxRetries = init.retry === false ? 0 : options.retry.maxRetries
  let last: ContinuaApiError | undefined
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    let waitMs: number | undefined
    try {
      const res = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs) })
      const text = await res.text()
      let parsed: unknown = undefined
      if (text) {
        try {
          parsed = JSON.parse(text)
        } catch {
          parsed = text
        }
      }
      if (res.ok) return { status: res.status, body: parsed as T, headers: res.headers }
      const envelope = (parsed && typeof parsed === 'object' ? parsed : {}) as { code?: string; message?: string; error?: string }
      last = new ContinuaApiError(
        `${method} ${path} answered ${res.status}${envelope.code ? ` ${envelope.code}` : ''}: ${envelope.message ?? envelope.error ?? String(text).slice(0, 300)}`,
        res.status,
        envelope.code ?? `http_${res.status}`,
        parsed,
        attempt + 1,
      )
      if (!isRetryableStatus(res.status)) throw last
      waitMs = parseRetryAfter(res.headers.get('retry-after'))
    } catch (err) {
      if (err instanceof ContinuaApiError) {
        if (!err.retryable) throw err
      } else {
        const reason = err instanceof Error ? (err.name === 'TimeoutError' ? `timed out after ${options.timeoutMs} ms` : err.message) : String(err)
        last = new ContinuaApiError(`${method} ${path} failed: ${reason}`, 0, 'network_error', undefined, attempt + 1)
      }
    }
    // Retry-After is honoured as sent, up to five minutes, even beyond maxDelayMs.
    if (attempt < maxRetries) await sleep(waitMs !== undefined ? Math.min(waitMs, 300_000) : backoffDelay(attempt, options.retry))
  }
  throw last!
}
