import type { NextFunction, Request, Response } from 'express'
import type { Metrics } from '../../src/metrics/registry.js'

// Times every request and records it under its route template (`/api/traces/:id`), so the label
// set stays bounded whatever paths clients send; requests answered before any route matched share route="none".

export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      metrics.observeRequest(req.method, routeLabel(req), res.statusCode, seconds)
    })
    next()
  }
}

function routeLabel(req: Request): string {
  const path = req.route?.path as string | string[] | undefined
  if (typeof path === 'string') return path
  // A route declared on several literal paths (OTLP's aliases): the literal that matched.
  if (Array.isArray(path)) return path.includes(req.path) ? req.path : path[0]!
  // Answered before reaching a route: unknown paths, failed authentication, rate limits.
  return 'none'
}
