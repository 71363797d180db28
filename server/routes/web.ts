import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { Router } from 'express'

// The web debugger: the Vite build in dist/web, served on the API's port. Hashed assets are
// cached for good; every other GET that is not an API path answers index.html (the SPA routes).

/** dist/web of the package, found from this file whether it runs compiled (dist/server) or from source. */
export function defaultWebRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'web')
    dir = path.dirname(dir)
  }
  return path.resolve('dist', 'web')
}

export function webRoutes(root: string): Router {
  const router = Router()
  const index = path.join(root, 'index.html')
  router.use(
    '/assets',
    express.static(path.join(root, 'assets'), { immutable: true, maxAge: '365d', index: false }),
  )
  router.use(express.static(root, { index: false, maxAge: 0 }))
  router.get('/{*splat}', (req, res, next) => {
    // A missing asset or an unknown API path is a 404, not the app.
    if (/^\/(api|v1|assets)(\/|$)/.test(req.path) || !fs.existsSync(index)) return next()
    res.setHeader('Cache-Control', 'no-cache')
    res.sendFile(index)
  })
  return router
}
