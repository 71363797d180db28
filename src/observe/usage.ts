import type { Kysely } from 'kysely'
import { USAGE_DEFAULT_BUCKETS, USAGE_MAX_BUCKETS, type UsageBucket, type UsageQuery, type UsageResponse } from '../contract/stats.js'
import type { DB } from '../db/schema.js'
import { usageByBucket, type UsageRow } from '../db/usage-read.js'
import { ContinuaError } from '../errors.js'

// Usage over time: resolves the range (defaults, bucket alignment, limits), reads the sums and
// fills the buckets that had no trace with zeros.

const STEP_MS = { hour: 3_600_000, day: 86_400_000 } as const

/** The start of the UTC hour or day holding `ms`. */
export function bucketFloor(ms: number, unit: 'hour' | 'day'): number {
  return Math.floor(ms / STEP_MS[unit]) * STEP_MS[unit]
}

export function usageRange(query: Pick<UsageQuery, 'bucket' | 'from' | 'to'>, now = Date.now()): { unit: 'hour' | 'day'; from: number; to: number; starts: number[] } {
  const unit = query.bucket ?? 'day'
  const step = STEP_MS[unit]
  const to = query.to !== undefined ? Date.parse(query.to) : bucketFloor(now, unit) + step
  const from = bucketFloor(query.from !== undefined ? Date.parse(query.from) : bucketFloor(to - 1, unit) - (USAGE_DEFAULT_BUCKETS[unit] - 1) * step, unit)
  if (to <= from) throw new ContinuaError('validation_error', 'from must be before to')
  const count = Math.ceil((to - from) / step)
  if (count > USAGE_MAX_BUCKETS) {
    throw new ContinuaError('validation_error', `the range holds ${count} ${unit} buckets; at most ${USAGE_MAX_BUCKETS} are allowed (narrow from/to or use a wider bucket)`)
  }
  const starts: number[] = []
  for (let s = from; s < to; s += step) starts.push(s)
  return { unit, from, to, starts }
}

const sums = (r: UsageRow | undefined): Omit<UsageBucket, 'start'> => ({
  traces: r?.traces ?? 0,
  errors: r?.errors ?? 0,
  tokens_in: Number(r?.tokens_in ?? 0),
  tokens_out: Number(r?.tokens_out ?? 0),
  cost_usd_decimal: r?.cost ?? '0',
})

export async function readUsage(db: Kysely<DB>, projectId: string | undefined, query: UsageQuery, now = Date.now()): Promise<UsageResponse> {
  const range = usageRange(query, now)
  const rows = await usageByBucket(db, projectId, range.unit, new Date(range.from), new Date(range.to))
  const byStart = new Map(rows.filter((r) => r.start !== null).map((r) => [new Date(r.start!).getTime(), r]))
  return {
    bucket: range.unit,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    buckets: range.starts.map((s) => ({ start: new Date(s).toISOString(), ...sums(byStart.get(s)) })),
    totals: sums(rows.find((r) => r.start === null)),
  }
}
