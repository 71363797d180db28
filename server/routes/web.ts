import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { Router, type Response } from 'express'

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

// The app loads only its own scripts and styles and talks only to this origin (OIDC discovery
// and token exchange excepted, hence connect-src https:); it must not be framed. The one inline
// script (the theme, applied before first paint) is allowed by its hash.
function contentSecurityPolicy(indexHtml: string): string {
  const hashes = [...indexHtml.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`)
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ')
}

export function webRoutes(root: string): Router {
  const router = Router()
  const index = path.join(root, 'index.html')
  let csp: string | undefined
  const secure = (res: Response) => {
    csp ??= fs.existsSync(index) ? contentSecurityPolicy(fs.readFileSync(index, 'utf8')) : "default-src 'self'; frame-ancestors 'none'"
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Referrer-Policy', 'same-origin')
    res.setHeader('Content-Security-Policy', csp)
  }
  router.use('/assets', express.static(path.join(root, 'assets'), { immutable: true, maxAge: '365d', index: false, setHeaders: secure }))
  router.use(express.static(root, { index: false, maxAge: 0, setHeaders: secure }))
  router.get('/{*splat}', (req, res, next) => {
    // A missing asset or an unknown API path is a 404, not the app.
    if (/^\/(api|v1|assets)(\/|$)/.test(req.path)) return next()
    secure(res)
    if (!fs.existsSync(index)) {
      res.status(404).type('text/plain').send('The web debugger is not built: run `npm run build` (it writes dist/web).\n')
      return
    }
    res.setHeader('Cache-Control', 'no-cache')
    res.sendFile(index)
  })
  return router
}
