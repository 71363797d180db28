import { Agent, request } from 'undici'
import { ContinuaError, ERROR_CODES, type ErrorCode } from '../errors.js'
import type { ApiTarget } from './target.js'

// One HTTP call to a Continua server. Every failure becomes a ContinuaError whose code follows
// the server's envelope, so CLI exit codes come from the same table as HTTP statuses.

export type Query = Record<string, string | number | boolean | undefined>

export interface Http {
  readonly target: ApiTarget
  call<T>(method: 'GET' | 'POST', path: string, options?: { query?: Query; body?: unknown; timeoutMs?: number }): Promise<T>
  /** Closes idle connections so the process can exit. */
  close(): Promise<void>
  /** Opens a Server-Sent Events stream; yields each message until the signal aborts. */
  events(path: string, options: { query?: Query; signal: AbortSignal; lastEventId?: string }): AsyncGenerator<SseMessage>
}

export interface SseMessage {
  event: string
  data: string
  id?: string
}

const KNOWN = new Set<string>(ERROR_CODES)

export function createHttp(target: ApiTarget): Http {
  const dispatcher = new Agent({ keepAliveTimeout: 2000 })
  const headers = (extra: Record<string, string> = {}) => ({
    accept: 'application/json',
    'user-agent': 'continua-cli',
    ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
    ...extra,
  })

  async function send(method: string, path: string, query: Query | undefined, body: unknown, timeoutMs: number, extraHeaders?: Record<string, string>, signal?: AbortSignal) {
    const url = target.url + path + queryString(query)
    try {
      return await request(url, {
        method: method as 'GET',
        headers: headers(body !== undefined ? { 'content-type': 'application/json', ...extraHeaders } : extraHeaders),
        body: body !== undefined ? JSON.stringify(body) : undefined,
        dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: signal ? 0 : timeoutMs,
        signal,
      })
    } catch (err) {
      if (signal?.aborted) throw err
      throw new ContinuaError('server_unreachable', `Cannot reach the Continua server at ${target.url}: ${(err as Error).message || (err as { code?: string }).code}`, undefined, { cause: err })
    }
  }

  return {
    target,
    close: () => dispatcher.destroy(),
    async call<T>(method: 'GET' | 'POST', path: string, options: { query?: Query; body?: unknown; timeoutMs?: number } = {}): Promise<T> {
      const res = await send(method, path, options.query, method === 'POST' ? (options.body ?? {}) : undefined, options.timeoutMs ?? 30_000)
      const text = await res.body.text()
      if (res.statusCode >= 400) throw errorFrom(res.statusCode, text, target.url)
      try {
        return JSON.parse(text) as T
      } catch {
        throw new ContinuaError('server_unreachable', `${target.url} did not answer with JSON (is it a Continua server?)`)
      }
    },
    async *events(path, options) {
      const res = await send('GET', path, options.query, undefined, 30_000, { accept: 'text/event-stream', ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) }, options.signal)
      if (res.statusCode >= 400) throw errorFrom(res.statusCode, await res.body.text(), target.url)
      let buffer = ''
      try {
        for await (const chunk of res.body) {
          buffer += (chunk as Buffer).toString('utf8')
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const msg = parseSse(block)
            if (msg) yield msg
          }
        }
      } catch (err) {
        if (options.signal.aborted) return
        throw new ContinuaError('server_unreachable', `The stream from ${target.url} broke: ${(err as Error).message}`)
      }
    },
  }
}

export function parseSse(block: string): SseMessage | undefined {
  let event = 'message'
  const data: string[] = []
  let id: string | undefined
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id') id = value
  }
  if (data.length === 0) return undefined
  return { event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) }
}

function queryString(query: Query | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v))
  const s = params.toString()
  return s ? `?${s}` : ''
}

/** The server's error envelope as a ContinuaError; unknown codes fall back by HTTP status. */
export function errorFrom(status: number, text: string, url: string): ContinuaError {
  let body: { code?: unknown; message?: unknown; details?: unknown } = {}
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    // not JSON: a proxy page or another service
  }
  const message = typeof body.message === 'string' && body.message ? body.message : `${url} answered HTTP ${status}`
  const code = typeof body.code === 'string' && KNOWN.has(body.code) ? (body.code as ErrorCode) : byStatus(status)
  return new ContinuaError(code, message, body.details)
}

function byStatus(status: number): ErrorCode {
  if (status === 401) return 'invalid_api_key'
  if (status === 403) return 'project_scope_mismatch'
  if (status === 404) return 'not_found'
  if (status === 409) return 'conflict'
  if (status === 413) return 'payload_too_large'
  if (status === 429) return 'rate_limited'
  if (status === 502 || status === 503 || status === 504) return 'server_unreachable'
  if (status >= 500) return 'internal_error'
  return 'invalid_request'
}
