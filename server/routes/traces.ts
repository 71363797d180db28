import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { Router, type Request, type Response } from 'express'
import type { Kysely } from 'kysely'
import { resolveScope } from '../../src/auth/principal.js'
import { SpanListQuery, TimelineQuery, TraceListQuery } from '../../src/contract/traces.js'
import { parseInput } from '../../src/contract/validate.js'
import type { DB } from '../../src/db/schema.js'
import type { Logger } from '../../src/logger.js'
import type { ChangeFeed } from '../../src/observe/change-feed.js'
import { parseStreamAfter, runTraceStream } from '../../src/observe/stream.js'
import { readTimeline } from '../../src/observe/timeline.js'
import { getTraceDetail, listTraces, listTraceSpans, requireTrace, traceSpanSummariesJson } from '../../src/observe/traces.js'
import { principalOf } from '../middleware/auth.js'

export interface TraceRouteOptions {
  feed: ChangeFeed | undefined
  logger: Logger
  heartbeatMs?: number
  pollMs?: number
}

const scopeOf = (req: Request, res: Response) => resolveScope(principalOf(res), req.query.project_id)

export function traceRoutes(db: Kysely<DB>, options: TraceRouteOptions): Router {
  const router = Router()

  router.get('/api/traces', async (req, res) => {
    const scope = scopeOf(req, res)
    const query = parseInput(TraceListQuery, req.query, 'query')
    res.json(await listTraces(db, scope, query))
  })

  router.get('/api/traces/:id', async (req, res) => {
    res.json(await getTraceDetail(db, scopeOf(req, res), req.params.id))
  })

  router.get('/api/traces/:id/spans', async (req, res) => {
    const scope = scopeOf(req, res)
    const query = parseInput(SpanListQuery, req.query, 'query')
    if (query.include_payloads === false) {
      res.type('application/json').send(await traceSpanSummariesJson(db, scope, req.params.id))
      return
    }
    res.json({ spans: await listTraceSpans(db, scope, req.params.id) })
  })

  router.get('/api/traces/:id/events', async (req, res) => {
    const scope = scopeOf(req, res)
    const query = parseInput(TimelineQuery, req.query, 'query')
    const trace = await requireTrace(db, scope, req.params.id)
    res.json(await readTimeline(db, trace, { after: query.after, limit: query.limit ?? 100, types: query.event_type }))
  })

  router.get('/api/traces/:id/stream', async (req, res) => {
    const scope = scopeOf(req, res)
    const trace = await requireTrace(db, scope, req.params.id)
    const header = req.get('last-event-id')
    const after = header !== undefined && header !== '' ? parseStreamAfter(header, 'Last-Event-ID') : parseStreamAfter(queryString(req.query.after), 'after')
    res.status(200)
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8')
    res.setHeader('Cache-Control', 'no-cache, no-transform')
    res.setHeader('Connection', 'keep-alive')
    res.setHeader('X-Accel-Buffering', 'no')
    res.flushHeaders()
    const httpServer = (req.socket as Socket & { server?: Server }).server
    req.socket.setNoDelay(true)
    await runTraceStream(
      {
        write: (chunk) => void res.write(chunk),
        // The client may already be gone (it can hang up while the stream reads its start point).
        onClose: (fn) => (res.closed || req.socket.destroyed ? fn() : res.on('close', fn)),
        end: () => res.end(),
        stopping: () => httpServer !== undefined && !httpServer.listening,
      },
      { db, feed: options.feed, logger: options.logger, trace, after, heartbeatMs: options.heartbeatMs ?? 15_000, pollMs: options.pollMs ?? 2_000 },
    )
  })

  return router
}

function queryString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined
}
