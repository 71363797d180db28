import type { CompareSemanticSummary, SemanticDiffGroup } from '../contract/sessions.js'
import type { SpanEventRow } from '../db/schema.js'
import { deepEqual } from './align.js'
import { iso } from './mappers.js'

// Pairing of decision, effect and wait events between two matched spans: decisions by their
// normalised question, effects by effect_id, waits by wait_id and phase, each only when the key
// is unique on both sides.

export const normalizeName = (name: string) => name.toLowerCase().replace(/\s+/g, ' ').trim()

function semanticSummary(e: SpanEventRow, spanName: string | undefined): CompareSemanticSummary {
  const out: CompareSemanticSummary = {
    id: e.id,
    span_id: e.span_id,
    event_type: e.event_type as CompareSemanticSummary['event_type'],
    timestamp: iso(e.event_ts ?? e.server_ingested_at),
    payload: (e.payload as Record<string, unknown>) ?? {},
  }
  if (spanName !== undefined) out.span_name = spanName
  if (e.message != null) out.message = e.message
  return out
}

const FIELDS: Record<string, string[]> = {
  decision: ['chosen', 'reasoning', 'alternatives'],
  effect: ['effect_kind', 'has_external_side_effect', 'idempotent', 'idempotency_key'],
  wait: ['wait_kind', 'phase', 'resolution'],
}

function semanticKey(e: SpanEventRow): string | undefined {
  const p = (e.payload ?? {}) as Record<string, unknown>
  if (e.event_type === 'decision') return typeof p.question === 'string' ? `q:${normalizeName(p.question)}` : undefined
  if (e.event_type === 'effect') return typeof p.effect_id === 'string' ? `e:${p.effect_id}` : undefined
  if (e.event_type === 'wait') return typeof p.wait_id === 'string' ? `w:${p.wait_id}:${String(p.phase ?? '')}` : undefined
  return undefined
}

function semanticChanges(a: SpanEventRow, b: SpanEventRow): string[] {
  const pa = (a.payload ?? {}) as Record<string, unknown>
  const pb = (b.payload ?? {}) as Record<string, unknown>
  const changed = FIELDS[a.event_type]!.filter((f) => !deepEqual(pa[f], pb[f]))
  if ((a.message ?? null) !== (b.message ?? null)) changed.push('message')
  if (a.event_type !== 'decision' && !deepEqual(pa, pb)) changed.push('payload')
  return changed
}

export function semanticGroups(bEvents: SpanEventRow[], cEvents: SpanEventRow[], names: [string | undefined, string | undefined]): SemanticDiffGroup[] {
  const count = (events: SpanEventRow[]) => {
    const m = new Map<string, number>()
    for (const e of events) {
      const k = semanticKey(e)
      if (k) m.set(k, (m.get(k) ?? 0) + 1)
    }
    return m
  }
  const bCount = count(bEvents)
  const cCount = count(cEvents)
  const cByKey = new Map(cEvents.map((e) => [semanticKey(e), e]))
  const used = new Set<string>()
  const groups: SemanticDiffGroup[] = []
  for (const b of bEvents) {
    const k = semanticKey(b)
    const c = k && bCount.get(k) === 1 && cCount.get(k) === 1 ? cByKey.get(k) : undefined
    if (c && c.event_type === b.event_type) {
      used.add(c.id)
      const changed = semanticChanges(b, c)
      groups.push({
        event_type: b.event_type as SemanticDiffGroup['event_type'],
        diff_status: changed.length ? 'changed' : 'unchanged',
        match_source: b.event_type === 'decision' ? 'heuristic' : 'stable_id',
        match_reason: b.event_type === 'decision' ? 'unique_normalized_question' : b.event_type === 'effect' ? 'exact_effect_id' : 'exact_wait_id',
        changed_fields: changed,
        baseline_event: semanticSummary(b, names[0]),
        candidate_event: semanticSummary(c, names[1]),
      })
    } else {
      groups.push({ event_type: b.event_type as SemanticDiffGroup['event_type'], diff_status: 'baseline_only', changed_fields: [], baseline_event: semanticSummary(b, names[0]), candidate_event: null })
    }
  }
  for (const c of cEvents) {
    if (used.has(c.id)) continue
    groups.push({ event_type: c.event_type as SemanticDiffGroup['event_type'], diff_status: 'candidate_only', changed_fields: [], baseline_event: null, candidate_event: semanticSummary(c, names[1]) })
  }
  return groups
}
