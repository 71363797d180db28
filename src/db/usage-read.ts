import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

// Traces, failures, tokens and cost per UTC hour or day over a time range. A trace counts in the
// bucket where it started (its start time, or when the server first saw it). Sums are numeric in
// Postgres and come back as text, so cost stays exact.

export interface UsageRow {
  /** Bucket start; null on the totals row. */
  start: Date | null
  traces: number
  errors: number
  tokens_in: string
  tokens_out: string
  cost: string
}

export async function usageByBucket(
  db: Kysely<DB>,
  projectId: string | undefined,
  unit: 'hour' | 'day',
  from: Date,
  to: Date,
): Promise<UsageRow[]> {
  const started = sql`coalesce(t.start_time, t.server_received_at)`
  const res = await sql<UsageRow>`
    select u.start,
      count(*)::int as traces,
      (count(*) filter (where u.status = 'failed'))::int as errors,
      coalesce(sum(u.total_tokens_in), 0)::text as tokens_in,
      coalesce(sum(u.total_tokens_out), 0)::text as tokens_out,
      coalesce(trim_scale(sum(u.total_cost)), 0)::text as cost
    from (
      select date_trunc(${unit}, ${started}, 'UTC') as start, t.status, t.total_tokens_in, t.total_tokens_out, t.total_cost
      from traces t
      where ${started} >= ${from} and ${started} < ${to}
        ${projectId ? sql`and t.project_id = ${projectId}` : sql``}
    ) u
    group by grouping sets ((u.start), ())`.execute(db)
  return res.rows
}
