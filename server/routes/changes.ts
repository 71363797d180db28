import { Router } from 'express'
import { resolveScope } from '../../src/auth/principal.js'
import { ANY_TRACE, type ChangeFeed } from '../../src/observe/change-feed.js'
import { principalOf } from '../middleware/auth.js'

// GET /api/changes/stream: Server-Sent Events telling a client (the TUI's lists) that something in
// the project changed, so it re-reads instead of polling. It carries no data: a `change` event at
// most every 250 ms after writes, `ready` once listening, heartbeats as comments. Without a LISTEN
// connection it sends only `ready` with {"live": false} and heartbeats: the client keeps polling.

export function changeRoutes(feed: ChangeFeed | undefined, options: { heartbeatMs?: number } = {}): Router {
  const router = Router()
  router.get('/api/changes/stream', async (req, res) => {
    const projectId = resolveScope(principalOf(res), req.query.project_id, { required: true })!
    res.status(200)
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8')
    res.setHeader('Cache-Control', 'no-cache, no-transform')
    res.setHeader('X-Accel-Buffering', 'no')
    res.flushHeaders()
    let pending: NodeJS.Timeout | undefined
    const sub = feed?.subscribe(projectId, ANY_TRACE, () => {
      pending ??= setTimeout(() => {
        pending = undefined
        res.write(`event: change\ndata: {}\n\n`)
      }, 250)
    })
    const heartbeat = setInterval(() => res.write(`: heartbeat\n\n`), options.heartbeatMs ?? 15_000)
    res.on('close', () => {
      clearInterval(heartbeat)
      if (pending) clearTimeout(pending)
      sub?.close()
    })
    await sub?.ready
    res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ live: feed?.listening === true })}\n\n`)
  })
  return router
}
