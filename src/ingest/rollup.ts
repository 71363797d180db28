import type { Kysely } from 'kysely'
import { allocateChangeSeqs, notifyChanges } from '../db/ingest-write.js'
import { applyRollup, loadRollupInputs, markRolledUp, traceProject, type RollupInputs, type RollupValues } from '../db/ingest-rollup.js'
import type { DB } from '../db/schema.js'

// The per-trace rollup: span count, token buckets, exact cost, error count (failed spans plus
// error/exception events), duration, and — when the client never sent a status — the trace's
// status and end derived from its spans. Runs as a coalesced job after each batch.

export async function rollupTrace(db: Kysely<DB>, traceId: string): Promise<'updated' | 'unchanged' | 'missing'> {
  return db.transaction().execute(async (trx) => {
    // Lock order as in ingest: the trace's change counter first, then the trace row. The other
    // order could deadlock against a batch writing this trace.
    const owner = await traceProject(trx, traceId)
    if (!owner) return 'missing'
    const seq = await allocateChangeSeqs(trx, owner.project_id, [owner.trace_id], 1)
    const inputs = await loadRollupInputs(trx, traceId)
    if (!inputs) return 'missing'
    const next = computeRollup(inputs)
    if (!differs(inputs, next)) {
      await markRolledUp(trx, traceId, inputs.version)
      return 'unchanged'
    }
    await applyRollup(trx, traceId, next, inputs.version, seq)
    await notifyChanges(trx, inputs.project_id, [traceId], seq)
    return 'updated'
  })
}

export function computeRollup(i: RollupInputs): RollupValues {
  let status = i.status
  if (!i.status_explicit && i.span_count > 0) {
    // A failed root span fails the run; a failed child that was retried does not.
    if (i.failed_roots > 0) status = 'failed'
    else if (i.running_spans === 0) status = 'completed'
    else status = 'running'
  }
  const start = i.start_time ?? i.min_start
  let end = i.end_time
  if (!end && !i.status_explicit && status !== 'running') end = i.max_end
  const duration = start && end ? Math.max(0, end.getTime() - start.getTime()) : null
  return {
    status,
    start_time: start,
    end_time: end,
    duration_ms: duration,
    total_spans: i.span_count,
    total_tokens_in: Number(i.tokens_in),
    total_tokens_out: Number(i.tokens_out),
    total_cache_read_tokens: Number(i.cache_read),
    total_cache_write_tokens: Number(i.cache_write),
    total_reasoning_tokens: Number(i.reasoning),
    total_cost: i.cost,
    error_count: i.failed_spans + i.error_events,
  }
}

function differs(i: RollupInputs, v: RollupValues): boolean {
  const time = (d: Date | null) => (d ? d.getTime() : null)
  return (
    i.status !== v.status ||
    time(i.start_time) !== time(v.start_time) ||
    time(i.end_time) !== time(v.end_time) ||
    (i.duration_ms === null ? null : Number(i.duration_ms)) !== v.duration_ms ||
    i.total_spans !== v.total_spans ||
    Number(i.total_tokens_in) !== v.total_tokens_in ||
    Number(i.total_tokens_out) !== v.total_tokens_out ||
    Number(i.total_cache_read_tokens) !== v.total_cache_read_tokens ||
    Number(i.total_cache_write_tokens) !== v.total_cache_write_tokens ||
    Number(i.total_reasoning_tokens) !== v.total_reasoning_tokens ||
    i.total_cost !== v.total_cost ||
    i.error_count !== v.error_count
  )
}
