import client from 'prom-client'
import type pg from 'pg'
import { collectDatabaseGauges } from './database.js'

// One Prometheus registry per app (never prom-client's global one, so several apps in one
// process — tests, or serve with an in-process worker — do not collide). HTTP metrics are
// recorded as requests finish; database gauges are read when /metrics is scraped.

export interface Metrics {
  readonly registry: client.Registry
  /** Records one finished HTTP request. `route` is the matched route template, never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** The exposition text, with fresh database gauges. */
  render(): Promise<string>
}

export function createMetrics(pool: pg.Pool | undefined): Metrics {
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  const requests = new client.Counter({
    name: 'continua_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const latency = new client.Histogram({
    name: 'continua_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const scrapeErrors = new client.Counter({
    name: 'continua_metrics_scrape_errors_total',
    help: 'Scrapes whose database gauges could not be read (the database was unreachable)',
    registers: [registry],
  })
  const gauges = pool ? collectDatabaseGauges(registry) : undefined

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) })
      latency.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds)
    },
    async render() {
      if (gauges && pool) {
        try {
          await gauges.refresh(pool)
        } catch {
          scrapeErrors.inc()
        }
      }
      return registry.metrics()
    },
  }
}

export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE
