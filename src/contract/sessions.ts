import { z } from 'zod'
import { intParam, textParam, SPAN_KIND_BUCKETS, SPAN_STATUS_BUCKETS, TimelineEvent, TRACE_STATUS_BUCKETS } from './traces.js'

// Read-side wire shapes for sessions, the session narrative and trace comparison. Field names
// are the reference's; additions: updated_at/last_activity_at on sessions, decimal cost strings,
// payload differences and alignment details in compare.

const isoTime = z.iso.datetime({ offset: true })
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/)

export const Session = z
  .object({
    id: z.uuid(),
    external_id: z.string(),
    name: z.string().optional(),
    user_id: z.string().optional(),
    trace_count: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: isoTime,
    updated_at: isoTime,
    last_activity_at: isoTime,
  })
  .meta({ id: 'Session' })
export type Session = z.infer<typeof Session>

export const SessionList = z.object({ sessions: z.array(Session), total: z.number().int() }).meta({ id: 'SessionList' })
export type SessionList = z.infer<typeof SessionList>

export const SessionListQuery = z.object({
  project_id: z.string().optional(),
  limit: intParam('limit', -1_000_000, 1_000_000).optional(),
  offset: intParam('offset', -1_000_000_000, 1_000_000_000).optional(),
  q: textParam('q', 512).optional(),
  user_id: textParam('user_id', 512).optional(),
  sort_by: z.enum(['created_at', 'trace_count', 'last_activity_at'], { error: 'sort_by must be created_at, trace_count or last_activity_at' }).optional(),
  sort_dir: z.enum(['asc', 'desc'], { error: 'sort_dir must be asc or desc' }).optional(),
})
export type SessionListQuery = z.infer<typeof SessionListQuery>

// --- narrative --------------------------------------------------------------------------------

export const NarrativeLineage = z
  .object({
    type: z.enum(['explicit', 'inferred', 'unlinked']),
    parent_trace_id: z.string().optional(),
    trigger_span_id: z.string().optional(),
    link_kind: z.string().optional(),
  })
  .meta({ id: 'SessionNarrativeLineage' })

/** The fields a trace shows in a session narrative and in a compare header. */
const traceSummaryFields = {
  id: z.uuid(),
  trace_id: z.string(),
  name: z.string(),
  status: z.enum(TRACE_STATUS_BUCKETS),
  user_id: z.string().optional(),
  started_at: isoTime,
  ended_at: isoTime.optional(),
  duration_ms: z.number().int().optional(),
  error_count: z.number().int(),
  total_cost_usd: z.number(),
  total_cost_usd_decimal: decimalString,
  total_tokens_in: z.number().int(),
  total_tokens_out: z.number().int(),
}

export const NarrativeTrace = z
  .object({
    ...traceSummaryFields,
    latest_activity_at: isoTime,
    semantic_events: z.array(TimelineEvent),
    lineage: NarrativeLineage,
  })
  .meta({ id: 'SessionNarrativeTrace' })
export type NarrativeTrace = z.infer<typeof NarrativeTrace>

export const NarrativeSummary = z
  .object({
    total_trace_count: z.number().int(),
    returned_trace_count: z.number().int(),
    truncated: z.boolean(),
    running_trace_count: z.number().int(),
    completed_trace_count: z.number().int(),
    failed_trace_count: z.number().int(),
    total_cost_usd: z.number(),
    total_cost_usd_decimal: decimalString,
    total_tokens_in: z.number().int(),
    total_tokens_out: z.number().int(),
    started_at: isoTime.nullable(),
    last_activity_at: isoTime.nullable(),
    explicit_link_count: z.number().int(),
    inferred_link_count: z.number().int(),
    unlinked_trace_count: z.number().int(),
  })
  .meta({ id: 'SessionNarrativeSummary' })
export type NarrativeSummary = z.infer<typeof NarrativeSummary>

export const SessionNarrative = z
  .object({ summary: NarrativeSummary, traces: z.array(NarrativeTrace) })
  .meta({ id: 'SessionNarrativeResponse' })
export type SessionNarrative = z.infer<typeof SessionNarrative>

// --- compare ----------------------------------------------------------------------------------

export const CompareQuery = z.object({
  project_id: z.string().optional(),
  baseline_trace_id: z.uuid({ error: 'baseline_trace_id must be a UUID' }),
  candidate_trace_id: z.uuid({ error: 'candidate_trace_id must be a UUID' }),
})

export const DIFF_STATUSES = ['unchanged', 'changed', 'baseline_only', 'candidate_only'] as const
export const MATCH_SOURCES = ['stable_id', 'heuristic'] as const

export const CompareSpanSummary = z
  .object({
    id: z.uuid(),
    span_id: z.string(),
    parent_span_id: z.string().optional(),
    name: z.string(),
    kind: z.enum(SPAN_KIND_BUCKETS),
    type: z.string(),
    status: z.enum(SPAN_STATUS_BUCKETS),
    started_at: isoTime,
    ended_at: isoTime.optional(),
    tokens_in: z.number().int().optional(),
    tokens_out: z.number().int().optional(),
    cost_usd: z.number().optional(),
    cost_usd_decimal: decimalString.optional(),
    latency_ms: z.number().int().optional(),
    error_message: z.string().optional(),
    model: z.string().optional(),
  })
  .meta({ id: 'CompareSpanSummary' })
export type CompareSpanSummary = z.infer<typeof CompareSpanSummary>

export const CompareSemanticSummary = z
  .object({
    id: z.string(),
    span_id: z.string().optional(),
    span_name: z.string().optional(),
    event_type: z.enum(['decision', 'effect', 'wait']),
    timestamp: isoTime,
    message: z.string().optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'CompareSemanticSummary' })
export type CompareSemanticSummary = z.infer<typeof CompareSemanticSummary>

export const SemanticDiffGroup = z
  .object({
    event_type: z.enum(['decision', 'effect', 'wait']),
    diff_status: z.enum(DIFF_STATUSES),
    match_source: z.enum(MATCH_SOURCES).optional(),
    match_reason: z.string().optional(),
    changed_fields: z.array(z.string()),
    baseline_event: CompareSemanticSummary.nullable(),
    candidate_event: CompareSemanticSummary.nullable(),
  })
  .meta({ id: 'SemanticDiffGroup' })
export type SemanticDiffGroup = z.infer<typeof SemanticDiffGroup>

export const PayloadDiff = z
  .object({
    field: z.enum(['input', 'output', 'metadata']),
    path: z.string().describe('JSON path of the differing value, "$" for the whole value'),
    baseline: z.unknown().optional(),
    candidate: z.unknown().optional(),
  })
  .meta({ id: 'PayloadDiff' })
export type PayloadDiff = z.infer<typeof PayloadDiff>

export const SpanDiffRow = z
  .object({
    diff_status: z.enum(DIFF_STATUSES),
    match_source: z.enum(MATCH_SOURCES).optional(),
    match_reason: z.string().optional(),
    changed_fields: z.array(z.string()),
    baseline_span: CompareSpanSummary.nullable(),
    candidate_span: CompareSpanSummary.nullable(),
    semantic_groups: z.array(SemanticDiffGroup),
    payload_diffs: z.array(PayloadDiff).describe('Input/output/metadata differences of a matched pair (at most 20)'),
    depth: z.number().int(),
  })
  .meta({ id: 'SpanDiffRow' })
export type SpanDiffRow = z.infer<typeof SpanDiffRow>

export const CompareTraceHeader = z
  .object({
    ...traceSummaryFields,
  })
  .meta({ id: 'CompareTraceHeader' })
export type CompareTraceHeader = z.infer<typeof CompareTraceHeader>

export const CompareSummary = z
  .object({
    total_spans_baseline: z.number().int(),
    total_spans_candidate: z.number().int(),
    matched_spans: z.number().int(),
    unmatched_baseline_spans: z.number().int(),
    unmatched_candidate_spans: z.number().int(),
    heuristic_matches: z.number().int(),
    duration_delta_ms: z.number().int(),
    tokens_in_delta: z.number().int(),
    tokens_out_delta: z.number().int(),
    cost_delta_usd: z.number(),
    cost_delta_usd_decimal: decimalString,
    total_semantic_baseline: z.number().int(),
    total_semantic_candidate: z.number().int(),
  })
  .meta({ id: 'CompareSummary' })
export type CompareSummary = z.infer<typeof CompareSummary>

export const SessionCompare = z
  .object({
    session: z.object({ id: z.uuid(), external_id: z.string(), name: z.string().optional() }),
    baseline: CompareTraceHeader,
    candidate: CompareTraceHeader,
    summary: CompareSummary,
    span_diffs: z.array(SpanDiffRow),
  })
  .meta({ id: 'SessionCompareResponse' })
export type SessionCompare = z.infer<typeof SessionCompare>

export const COMPARE_MAX_SPANS = 500
export const COMPARE_MAX_SEMANTIC_EVENTS = 1000
