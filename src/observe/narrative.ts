import type { Kysely } from 'kysely'
import type { NarrativeTrace, SessionNarrative } from '../contract/sessions.js'
import type { DB, TraceRow } from '../db/schema.js'
import * as q from '../db/sessions-read.js'
import { normalizeDecimal } from './decimal.js'
import { eventRowToTimeline, iso, traceStartedAt, traceStatusBucket } from './mappers.js'

// The deterministic session narrative: the first 100 traces in start order with their decision,
// effect and wait events, and how each trace links to an earlier one (explicit metadata
// lineage, or inferred when the traces ran strictly one after another).

export const NARRATIVE_MAX_TRACES = 100

type Lineage = NarrativeTrace['lineage']

function explicitLineage(trace: TraceRow, earlier: Set<string>): Lineage | undefined {
  const meta = trace.metadata as Record<string, unknown> | null
  const link = meta?.['__continua_lineage'] as Record<string, unknown> | undefined
  if (!link || typeof link !== 'object' || typeof link.parent_trace_id !== 'string') return undefined
  if (!earlier.has(link.parent_trace_id)) return undefined
  const out: Lineage = { type: 'explicit', parent_trace_id: link.parent_trace_id }
  if (typeof link.trigger_span_id === 'string') out.trigger_span_id = link.trigger_span_id
  if (typeof link.link_kind === 'string') out.link_kind = link.link_kind
  return out
}

/** Inferred: the child started after every earlier trace had gone quiet; the predecessor is the parent. */
export function inferLineage(starts: number[], activity: number[], i: number): boolean {
  if (i === 0) return false
  const start = starts[i]!
  for (let j = 0; j < i; j++) {
    if (starts[j]! < start || j === i - 1) {
      if (!(activity[j]! < start)) return false
    }
  }
  return true
}

export async function buildNarrative(db: Kysely<DB>, session: { id: string; project_id: string }): Promise<SessionNarrative> {
  const [rows, agg] = await Promise.all([
    q.sessionTraces(db, session.project_id, session.id, NARRATIVE_MAX_TRACES + 1),
    q.sessionAggregate(db, session.project_id, session.id),
  ])
  const shown = rows.slice(0, NARRATIVE_MAX_TRACES)
  const ids = shown.map((t) => t.id)
  const [activity, events, names] = await Promise.all([
    q.latestActivity(db, session.project_id, ids),
    q.semanticEvents(db, session.project_id, ids),
    q.spanNameMap(db, session.project_id, ids),
  ])
  const starts = shown.map((t) => traceStartedAt(t).getTime())
  const acts = shown.map((t, i) => (activity.get(t.id) ?? new Date(starts[i]!)).getTime())
  const earlier = new Set<string>()
  let explicit = 0
  let inferred = 0
  const traces: NarrativeTrace[] = shown.map((t, i) => {
    let lineage: Lineage = explicitLineage(t, earlier) ?? { type: 'unlinked' }
    if (lineage.type === 'unlinked' && inferLineage(starts, acts, i)) lineage = { type: 'inferred', parent_trace_id: shown[i - 1]!.trace_id }
    if (lineage.type === 'explicit') explicit++
    if (lineage.type === 'inferred') inferred++
    earlier.add(t.trace_id)
    const cost = normalizeDecimal(t.total_cost)
    const item: NarrativeTrace = {
      id: t.id,
      trace_id: t.trace_id,
      name: t.name ?? '',
      status: traceStatusBucket(t.status),
      started_at: iso(traceStartedAt(t)),
      error_count: Number(t.error_count),
      total_cost_usd: Number(cost),
      total_cost_usd_decimal: cost,
      total_tokens_in: Number(t.total_tokens_in),
      total_tokens_out: Number(t.total_tokens_out),
      latest_activity_at: new Date(acts[i]!).toISOString(),
      semantic_events: events.filter((e) => e.trace_id === t.id).map((e) => eventRowToTimeline(e, names.get(`${t.id}\u0000${e.span_id}`))),
      lineage,
    }
    if (t.user_id != null) item.user_id = t.user_id
    if (t.end_time != null) item.ended_at = iso(t.end_time)
    if (t.end_time != null) item.duration_ms = t.duration_ms != null ? Number(t.duration_ms) : new Date(t.end_time).getTime() - starts[i]!
    return item
  })
  const cost = normalizeDecimal(agg.cost)
  return {
    summary: {
      total_trace_count: agg.trace_count,
      returned_trace_count: traces.length,
      truncated: rows.length > NARRATIVE_MAX_TRACES,
      running_trace_count: agg.running,
      completed_trace_count: agg.completed,
      failed_trace_count: agg.failed,
      total_cost_usd: Number(cost),
      total_cost_usd_decimal: cost,
      total_tokens_in: agg.tokens_in,
      total_tokens_out: agg.tokens_out,
      started_at: agg.started_at ? iso(agg.started_at) : null,
      last_activity_at: agg.last_activity_at ? iso(agg.last_activity_at) : null,
      explicit_link_count: explicit,
      inferred_link_count: inferred,
      unlinked_trace_count: traces.length - explicit - inferred,
    },
    traces,
  }
}
