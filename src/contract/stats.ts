import { z } from 'zod'

// Usage over time: traces, failures, tokens and cost per hour or per day (UTC), for the
// dashboard's cost chart. One schema validates the query, types the client and feeds OpenAPI.

export const USAGE_BUCKETS = ['hour', 'day'] as const
export type UsageBucketUnit = (typeof USAGE_BUCKETS)[number]

/** Most buckets one request may ask for (about 41 days by hour, 2.7 years by day). */
export const USAGE_MAX_BUCKETS = 1000
/** Buckets covered when `from` is absent: the last 48 hours, or the last 7 days. */
export const USAGE_DEFAULT_BUCKETS: Record<UsageBucketUnit, number> = { hour: 48, day: 7 }

const timeParam = (name: string) => z.iso.datetime({ offset: true, error: `${name} must be an RFC 3339 timestamp` })

export const UsageQuery = z
  .object({
    project_id: z.string().optional(),
    bucket: z.enum(USAGE_BUCKETS, { error: 'bucket must be hour or day' }).optional().describe('Bucket width (UTC); day when absent'),
    from: timeParam('from').optional().describe('Start (inclusive; rounded down to its bucket). Default: 48 buckets (hour) or 7 (day) before `to`'),
    to: timeParam('to').optional().describe('End (exclusive). Default: the end of the current bucket'),
  })
export type UsageQuery = z.infer<typeof UsageQuery>

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/).describe('Exact decimal, e.g. "0.0123"')

export const UsageBucket = z
  .object({
    start: z.iso.datetime({ offset: true }).describe('Start of the bucket (UTC)'),
    traces: z.number().int().describe('Traces that started in the bucket'),
    errors: z.number().int().describe('Of those, traces whose status is FAILED'),
    tokens_in: z.number().int(),
    tokens_out: z.number().int(),
    cost_usd_decimal: decimalString,
  })
  .meta({ id: 'UsageBucket' })
export type UsageBucket = z.infer<typeof UsageBucket>

export const UsageResponse = z
  .object({
    bucket: z.enum(USAGE_BUCKETS),
    from: z.iso.datetime({ offset: true }).describe('Start of the first bucket'),
    to: z.iso.datetime({ offset: true }).describe('End of the range (exclusive)'),
    buckets: z.array(UsageBucket).describe('Every bucket of the range in time order; empty ones carry zeros'),
    totals: UsageBucket.omit({ start: true }),
  })
  .meta({ id: 'UsageResponse' })
export type UsageResponse = z.infer<typeof UsageResponse>
