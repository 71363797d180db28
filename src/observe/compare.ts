import type { Kysely } from 'kysely'
import {
  COMPARE_MAX_SEMANTIC_EVENTS,
  COMPARE_MAX_SPANS,
  type CompareSpanSummary,
  type CompareTraceHeader,
  type PayloadDiff,
  type SemanticDiffGroup,
  type SessionCompare,
  type SpanDiffRow,
} from '../contract/sessions.js'
import type { DB, SpanEventRow, SpanRow } from '../db/schema.js'
import * as sq from '../db/sessions-read.js'
import * as tq from '../db/traces-read.js'
import { ContinuaError } from '../errors.js'
import { alignByKey, diffJson } from './align.js'
import { normalizeName, semanticGroups } from './compare-semantic.js'
import { normalizeDecimal, subtractDecimals, sumDecimals } from './decimal.js'
import { iso, spanKindBucket, spanStatusBucket, traceStartedAt, traceStatusBucket, type TraceListRow } from './mappers.js'
import { requireTrace } from './traces.js'

// Compare two terminal traces of one session: match their spans (same external span id first,
// then an order-preserving alignment of siblings on name + type under already matched parents),
// then diff each matched pair's numbers, semantic events and payloads.

type Side = 'baseline' | 'candidate'

interface TraceData {
  trace: TraceListRow
  spans: SpanRow[]
  byId: Map<string, SpanRow>
  children: Map<string, SpanRow[]>
  roots: SpanRow[]
  events: Map<string, SpanEventRow[]>
}

function indexTrace(trace: TraceListRow, spans: SpanRow[], events: SpanEventRow[]): TraceData {
  const byId = new Map(spans.map((s) => [s.span_id, s]))
  const children = new Map<string, SpanRow[]>()
  const roots: SpanRow[] = []
  for (const s of spans) {
    if (s.parent_span_id && byId.has(s.parent_span_id) && s.parent_span_id !== s.span_id) {
      const list = children.get(s.parent_span_id) ?? []
      list.push(s)
      children.set(s.parent_span_id, list)
    } else roots.push(s)
  }
  const bySpan = new Map<string, SpanEventRow[]>()
  for (const e of events) {
    const list = bySpan.get(e.span_id) ?? []
    list.push(e)
    bySpan.set(e.span_id, list)
  }
  return { trace, spans, byId, children, roots, events: bySpan }
}

export async function compareTraces(
  db: Kysely<DB>,
  session: { id: string; project_id: string; external_id: string; name: string | null },
  baselineId: string,
  candidateId: string,
): Promise<SessionCompare> {
  if (baselineId.toLowerCase() === candidateId.toLowerCase()) {
    throw new ContinuaError('invalid_compare_request', 'baseline_trace_id and candidate_trace_id must name two different traces')
  }
  const [baseTrace, candTrace] = await Promise.all([
    requireTrace(db, session.project_id, baselineId),
    requireTrace(db, session.project_id, candidateId),
  ])
  for (const [name, t] of [['baseline_trace_id', baseTrace], ['candidate_trace_id', candTrace]] as const) {
    if (t.session_id !== session.id) throw new ContinuaError('trace_not_found', `${name}: trace ${t.id} is not in session ${session.id}`)
    if (traceStatusBucket(t.status) === 'RUNNING') {
      throw new ContinuaError('invalid_compare_request', `${name}: trace ${t.id} is still running; only finished traces can be compared`)
    }
  }
  const [bc, cc] = await Promise.all([
    sq.countSpansAndSemantics(db, session.project_id, baseTrace.id),
    sq.countSpansAndSemantics(db, session.project_id, candTrace.id),
  ])
  if (Math.max(bc.spans, cc.spans) > COMPARE_MAX_SPANS || Math.max(bc.semantic, cc.semantic) > COMPARE_MAX_SEMANTIC_EVENTS) {
    throw new ContinuaError(
      'comparison_too_large',
      `These traces are too large to compare (limits: ${COMPARE_MAX_SPANS} spans and ${COMPARE_MAX_SEMANTIC_EVENTS} decision/effect/wait events per trace)`,
      {
        baseline_span_count: bc.spans,
        candidate_span_count: cc.spans,
        baseline_semantic_count: bc.semantic,
        candidate_semantic_count: cc.semantic,
        max_spans: COMPARE_MAX_SPANS,
        max_semantic_events: COMPARE_MAX_SEMANTIC_EVENTS,
      },
    )
  }
  const [bSpans, cSpans, semantic] = await Promise.all([
    tq.listSpans(db, session.project_id, baseTrace.id),
    tq.listSpans(db, session.project_id, candTrace.id),
    sq.semanticEvents(db, session.project_id, [baseTrace.id, candTrace.id]),
  ])
  const base = indexTrace(baseTrace, bSpans, semantic.filter((e) => e.trace_id === baseTrace.id))
  const cand = indexTrace(candTrace, cSpans, semantic.filter((e) => e.trace_id === candTrace.id))
  const match = matchSpans(base, cand)
  const rows = buildRows(base, cand, match)
  const matchedCount = match.pairs.size
  const header = (d: TraceData) => traceHeader(d)
  const bh = header(base)
  const ch = header(cand)
  return {
    session: { id: session.id, external_id: session.external_id, ...(session.name != null ? { name: session.name } : {}) },
    baseline: bh,
    candidate: ch,
    summary: {
      total_spans_baseline: bSpans.length,
      total_spans_candidate: cSpans.length,
      matched_spans: matchedCount,
      unmatched_baseline_spans: bSpans.length - matchedCount,
      unmatched_candidate_spans: cSpans.length - matchedCount,
      heuristic_matches: [...match.pairs.values()].filter((p) => p.source === 'heuristic').length,
      duration_delta_ms: (ch.duration_ms ?? 0) - (bh.duration_ms ?? 0),
      tokens_in_delta: ch.total_tokens_in - bh.total_tokens_in,
      tokens_out_delta: ch.total_tokens_out - bh.total_tokens_out,
      cost_delta_usd: Number(subtractDecimals(bh.total_cost_usd_decimal, ch.total_cost_usd_decimal)),
      cost_delta_usd_decimal: subtractDecimals(bh.total_cost_usd_decimal, ch.total_cost_usd_decimal),
      total_semantic_baseline: bc.semantic,
      total_semantic_candidate: cc.semantic,
    },
    span_diffs: rows,
  }
}

/** Trace totals; when the rollup has not caught up with the spans yet, summed from the spans. */
function traceHeader(d: TraceData): CompareTraceHeader {
  const t = d.trace
  const stale = Number(t.total_spans) !== d.spans.length
  const cost = stale ? sumDecimals(d.spans.map((s) => s.total_cost)) : normalizeDecimal(t.total_cost)
  const start = traceStartedAt(t)
  const h: CompareTraceHeader = {
    id: t.id,
    trace_id: t.trace_id,
    name: t.name ?? '',
    status: traceStatusBucket(t.status),
    started_at: iso(start),
    error_count: stale ? d.spans.filter((s) => s.status === 'failed').length : Number(t.error_count),
    total_cost_usd: Number(cost),
    total_cost_usd_decimal: cost,
    total_tokens_in: stale ? d.spans.reduce((n, s) => n + Number(s.prompt_tokens ?? 0), 0) : Number(t.total_tokens_in),
    total_tokens_out: stale ? d.spans.reduce((n, s) => n + Number(s.completion_tokens ?? 0), 0) : Number(t.total_tokens_out),
  }
  if (t.user_id != null) h.user_id = t.user_id
  if (t.end_time != null) {
    h.ended_at = iso(t.end_time)
    h.duration_ms = t.duration_ms != null ? Number(t.duration_ms) : new Date(t.end_time).getTime() - start.getTime()
  }
  return h
}

// --- matching ---------------------------------------------------------------------------------

interface Pair {
  base: SpanRow
  cand: SpanRow
  source: 'stable_id' | 'heuristic'
  reason: string
}

interface Matching {
  /** keyed by baseline span_id */
  pairs: Map<string, Pair>
  /** candidate span_id → baseline span_id */
  reverse: Map<string, string>
}

function matchSpans(base: TraceData, cand: TraceData): Matching {
  const pairs = new Map<string, Pair>()
  const reverse = new Map<string, string>()
  const add = (b: SpanRow, c: SpanRow, source: Pair['source'], reason: string) => {
    pairs.set(b.span_id, { base: b, cand: c, source, reason })
    reverse.set(c.span_id, b.span_id)
  }
  for (const b of base.spans) {
    const c = cand.byId.get(b.span_id)
    if (c) add(b, c, 'stable_id', 'exact_span_id')
  }
  // Scopes to align: the roots, then the children of every matched pair as pairs appear.
  const queue: Array<[SpanRow[], SpanRow[]]> = [[base.roots, cand.roots]]
  for (const p of pairs.values()) queue.push([base.children.get(p.base.span_id) ?? [], cand.children.get(p.cand.span_id) ?? []])
  while (queue.length > 0) {
    const [bKids, cKids] = queue.shift()!
    const bFree = bKids.filter((s) => !pairs.has(s.span_id))
    const cFree = cKids.filter((s) => !reverse.has(s.span_id))
    if (bFree.length === 0 || cFree.length === 0) continue
    const key = (s: SpanRow) => `${normalizeName(s.name)}\u0000${s.type}`
    for (const [i, j] of alignByKey(bFree, cFree, key)) {
      const b = bFree[i]!
      const c = cFree[j]!
      add(b, c, 'heuristic', 'aligned_name_kind')
      queue.push([base.children.get(b.span_id) ?? [], cand.children.get(c.span_id) ?? []])
    }
  }
  return { pairs, reverse }
}

// --- rows -------------------------------------------------------------------------------------

function spanSummary(s: SpanRow): CompareSpanSummary {
  const cost = s.total_cost == null ? undefined : normalizeDecimal(s.total_cost)
  const out: CompareSpanSummary = {
    id: s.id,
    span_id: s.span_id,
    name: s.name,
    kind: spanKindBucket(s.type),
    type: s.type,
    status: spanStatusBucket(s.status),
    started_at: iso(s.start_time),
  }
  if (s.parent_span_id != null) out.parent_span_id = s.parent_span_id
  if (s.end_time != null) out.ended_at = iso(s.end_time)
  if (s.prompt_tokens != null) out.tokens_in = Number(s.prompt_tokens)
  if (s.completion_tokens != null) out.tokens_out = Number(s.completion_tokens)
  if (cost !== undefined) {
    out.cost_usd = Number(cost)
    out.cost_usd_decimal = cost
  }
  if (s.duration_ms != null) out.latency_ms = Number(s.duration_ms)
  if (s.status_message != null) out.error_message = s.status_message
  if (s.model != null) out.model = s.model
  return out
}

function pairChanges(b: SpanRow, c: SpanRow, groups: SemanticDiffGroup[], payloads: PayloadDiff[]): string[] {
  const changed: string[] = []
  if (b.status !== c.status) changed.push('status')
  if ((b.duration_ms ?? null) !== (c.duration_ms ?? null)) changed.push('latency_ms')
  if ((b.prompt_tokens ?? null) !== (c.prompt_tokens ?? null)) changed.push('tokens_in')
  if ((b.completion_tokens ?? null) !== (c.completion_tokens ?? null)) changed.push('tokens_out')
  if ((b.total_cost == null ? null : normalizeDecimal(b.total_cost)) !== (c.total_cost == null ? null : normalizeDecimal(c.total_cost))) changed.push('cost_usd')
  const semCount = (side: Side) => groups.filter((g) => (side === 'baseline' ? g.baseline_event : g.candidate_event) !== null).length
  if (semCount('baseline') !== semCount('candidate')) changed.push('semantic_count')
  if ((b.model ?? null) !== (c.model ?? null)) changed.push('model')
  if (b.name !== c.name) changed.push('name')
  for (const field of ['input', 'output', 'metadata'] as const) if (payloads.some((p) => p.field === field)) changed.push(field)
  return changed
}

function payloadDiffs(b: SpanRow, c: SpanRow): PayloadDiff[] {
  const out: PayloadDiff[] = []
  for (const field of ['input', 'output', 'metadata'] as const) {
    for (const d of diffJson(b[field] ?? null, c[field] ?? null, 20 - out.length)) out.push({ field, ...d })
    if (out.length >= 20) break
  }
  return out
}

function buildRows(base: TraceData, cand: TraceData, match: Matching): SpanDiffRow[] {
  const rows: SpanDiffRow[] = []
  const emittedCand = new Set<string>()
  const bEvents = (s: SpanRow) => base.events.get(s.span_id) ?? []
  const cEvents = (s: SpanRow) => cand.events.get(s.span_id) ?? []

  const emitCandidateOnly = (c: SpanRow, depth: number): void => {
    if (emittedCand.has(c.span_id) || match.reverse.has(c.span_id)) return
    emittedCand.add(c.span_id)
    rows.push({
      diff_status: 'candidate_only',
      changed_fields: [],
      baseline_span: null,
      candidate_span: spanSummary(c),
      semantic_groups: semanticGroups([], cEvents(c), [undefined, c.name]),
      payload_diffs: [],
      depth,
    })
    for (const kid of cand.children.get(c.span_id) ?? []) emitCandidateOnly(kid, depth + 1)
  }

  // Interleaves a baseline sibling list with the unmatched candidate siblings in alignment order.
  const emitSiblings = (bKids: SpanRow[], cKids: SpanRow[], depth: number): void => {
    let next = 0
    const flushUntil = (limit: number) => {
      for (; next < limit; next++) emitCandidateOnly(cKids[next]!, depth)
    }
    for (const b of bKids) {
      const pair = match.pairs.get(b.span_id)
      const at = pair ? cKids.indexOf(pair.cand) : -1
      if (at >= next) flushUntil(at)
      emitBaseline(b, depth)
    }
    flushUntil(cKids.length)
  }

  const emitBaseline = (b: SpanRow, depth: number): void => {
    const pair = match.pairs.get(b.span_id)
    if (!pair) {
      rows.push({
        diff_status: 'baseline_only',
        changed_fields: [],
        baseline_span: spanSummary(b),
        candidate_span: null,
        semantic_groups: semanticGroups(bEvents(b), [], [b.name, undefined]),
        payload_diffs: [],
        depth,
      })
      emitSiblings(base.children.get(b.span_id) ?? [], [], depth + 1)
      return
    }
    const c = pair.cand
    emittedCand.add(c.span_id)
    const groups = semanticGroups(bEvents(b), cEvents(c), [b.name, c.name])
    const payloads = payloadDiffs(b, c)
    const changed = pairChanges(b, c, groups, payloads)
    const anySemantic = groups.some((g) => g.diff_status !== 'unchanged')
    rows.push({
      diff_status: changed.length || anySemantic ? 'changed' : 'unchanged',
      match_source: pair.source,
      match_reason: pair.reason,
      changed_fields: changed,
      baseline_span: spanSummary(b),
      candidate_span: spanSummary(c),
      semantic_groups: groups,
      payload_diffs: payloads,
      depth,
    })
    emitSiblings(base.children.get(b.span_id) ?? [], cand.children.get(c.span_id) ?? [], depth + 1)
  }

  emitSiblings(base.roots, cand.roots, 0)
  // Anything left: candidate spans under parents that never appeared in the walk.
  for (const c of cand.spans) if (!emittedCand.has(c.span_id) && !match.reverse.has(c.span_id)) emitCandidateOnly(c, 0)
  return rows
}
