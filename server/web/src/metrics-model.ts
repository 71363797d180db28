import type { Span, TimelineEvent } from './api.js'

// Pure helpers for the Metrics section: spans grouped by name with their durations in start
// order, metric events grouped by span and metric name with their values over time, and a
// downsampler so a sparkline never has more points than it has pixels. One pass over the spans
// plus a sort per group: cheap for a 10,000-span trace.

export interface Series {
  /** Span name, or `span name · metric name` for metric events. */
  key: string
  label: string
  /** Occurrences in the trace (spans with this name, or metric events). */
  count: number
  /** Values in time order, downsampled to at most the requested number of points. */
  points: number[]
  min: number
  max: number
  last: number
  /** Sum of all values (the group's share of the trace's span time). */
  total: number
  /** Median of all values. */
  p50: number
  /** Occurrences that failed (span groups only). */
  failed: number
  unit?: string
  /** The row id of the slowest span of the group, to select it. */
  slowestId?: string
}

/**
 * Downsamples to at most `max` points by taking the largest value of each bucket, so a spike is
 * never averaged away.
 */
export function downsample(values: number[], max: number): number[] {
  if (values.length <= max || max < 1) return values.slice()
  const out: number[] = []
  for (let b = 0; b < max; b++) {
    const from = Math.floor((b * values.length) / max)
    const to = Math.floor(((b + 1) * values.length) / max)
    let m = -Infinity
    for (let i = from; i < to; i++) if (values[i]! > m) m = values[i]!
    out.push(m)
  }
  return out
}

function median(sorted: number[]): number {
  if (!sorted.length) return 0
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function durationOf(s: Span): number | undefined {
  if (s.latency_ms !== undefined && s.latency_ms !== null) return s.latency_ms
  if (!s.ended_at) return undefined
  return new Date(s.ended_at).getTime() - new Date(s.started_at).getTime()
}

function summarise(key: string, label: string, timed: Array<{ at: string; v: number }>, maxPoints: number): Series {
  timed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  const values = timed.map((t) => t.v)
  const sorted = values.slice().sort((a, b) => a - b)
  let total = 0
  for (const v of values) total += v
  return { key, label, count: values.length, points: downsample(values, maxPoints), min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, last: values[values.length - 1] ?? 0, total, p50: median(sorted), failed: 0 }
}

/**
 * Span durations grouped by span name, each group in start order. Groups are ordered by the
 * time they account for (largest first); only the first `limit` are returned.
 */
export function spanDurationSeries(spans: Span[], opts: { limit?: number; maxPoints?: number } = {}): { series: Series[]; groups: number } {
  const limit = opts.limit ?? 12
  const maxPoints = opts.maxPoints ?? 60
  const groups = new Map<string, { timed: Array<{ at: string; v: number }>; failed: number; slowest?: Span; slowestMs: number }>()
  for (const s of spans) {
    const ms = durationOf(s)
    if (ms === undefined) continue
    let g = groups.get(s.name)
    if (!g) groups.set(s.name, (g = { timed: [], failed: 0, slowestMs: -1 }))
    g.timed.push({ at: s.started_at, v: ms })
    if (s.status === 'FAILED') g.failed++
    if (ms > g.slowestMs) {
      g.slowestMs = ms
      g.slowest = s
    }
  }
  // Rank by total time before the per-group work, so only the shown groups are sorted.
  const ranked = [...groups].map(([name, g]) => ({ name, g, total: g.timed.reduce((a, t) => a + t.v, 0) })).sort((a, b) => b.total - a.total || a.name.localeCompare(b.name))
  const series = ranked.slice(0, limit).map(({ name, g }) => ({ ...summarise(name, name, g.timed, maxPoints), failed: g.failed, unit: 'ms', slowestId: g.slowest?.id }))
  return { series, groups: groups.size }
}

/** Values of `metric` events grouped by span and metric name, each in time order. */
export function metricEventSeries(events: TimelineEvent[], opts: { limit?: number; maxPoints?: number } = {}): Series[] {
  const limit = opts.limit ?? 12
  const maxPoints = opts.maxPoints ?? 60
  const groups = new Map<string, { label: string; unit?: string; timed: Array<{ at: string; v: number }> }>()
  for (const e of events) {
    if (e.event_type !== 'metric') continue
    const name = e.payload?.metric_name
    const value = Number(e.payload?.metric_value)
    if (typeof name !== 'string' || !Number.isFinite(value)) continue
    const span = e.span_name ?? e.span_id ?? '-'
    const key = `${span}\u0000${name}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { label: `${span} · ${name}`, unit: typeof e.payload?.metric_unit === 'string' ? e.payload.metric_unit : undefined, timed: [] }))
    g.timed.push({ at: e.timestamp, v: value })
  }
  return [...groups]
    .map(([key, g]) => ({ ...summarise(key, g.label, g.timed, maxPoints), unit: g.unit }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
    .slice(0, limit)
}

/** The SVG polyline of a sparkline, `width` × `height`, scaled between the series' min and max. */
export function sparklinePath(points: number[], width: number, height: number): string {
  if (!points.length) return ''
  let lo = Infinity
  let hi = -Infinity
  for (const p of points) {
    if (p < lo) lo = p
    if (p > hi) hi = p
  }
  const range = hi - lo || 1
  const step = points.length > 1 ? width / (points.length - 1) : 0
  return points
    .map((p, i) => {
      const x = points.length > 1 ? i * step : width / 2
      const y = hi === lo ? height / 2 : height - 1 - ((p - lo) / range) * (height - 2)
      return `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`
    })
    .join(' ')
}
