import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Kysely } from 'kysely'
import { createApp } from '../../server/app.js'
import type { DB } from '../../src/db/schema.js'
import { createLogger } from '../../src/logger.js'

export interface TestServer {
  url: string
  close(): Promise<void>
}

/**
 * The real express app on a real port. `host` is the address the app believes it is bound to
 * (it decides local mode); the socket always listens on 127.0.0.1.
 */
export async function startTestServer(
  db: Kysely<DB>,
  options: {
    adminToken?: string
    host?: string
    maxBodyBytes?: number
    pool?: import('pg').Pool
    ingest?: import('../../src/config.js').IngestSettings
    rateLimits?: import('../../src/config.js').RateLimitSettings
  } = {},
): Promise<TestServer> {
  const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL as 'warn') ?? 'error', format: 'pretty' })
  const app = createApp({
    db,
    logger,
    auth: { adminToken: options.adminToken, host: options.host ?? '127.0.0.1' },
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    pool: options.pool,
    ingest: options.ingest,
    rateLimits: options.rateLimits,
  })
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface JsonResponse<T = any> {
  status: number
  body: T
  headers: Headers
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined = options.rawBody
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  } else if (body !== undefined) headers['content-type'] ??= 'application/json'
  const res = await fetch(base + path, { method, headers, body })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    // leave as text
  }
  return { status: res.status, body: parsed as T, headers: res.headers }
}
