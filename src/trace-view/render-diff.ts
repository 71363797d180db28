import { formatCost, formatDuration, painter, type OutputOptions } from '../cli/output.js'
import type { SessionCompare, SpanDiffRow } from '../contract/sessions.js'

// `continua trace diff` as text: the two headers, the deltas, then one line per span pair.

const MARK = { unchanged: ' ', changed: '~', baseline_only: '-', candidate_only: '+' } as const

export function renderDiff(d: SessionCompare, o: OutputOptions): string {
  const p = painter(o.color)
  const sign = (n: number) => (n > 0 ? `+${n}` : String(n))
  const s = d.summary
  let out = `${p.bold('baseline ')} ${d.baseline.name} ${d.baseline.id} ${d.baseline.status} ${formatDuration(d.baseline.duration_ms)} ${formatCost(d.baseline.total_cost_usd_decimal)}\n`
  out += `${p.bold('candidate')} ${d.candidate.name} ${d.candidate.id} ${d.candidate.status} ${formatDuration(d.candidate.duration_ms)} ${formatCost(d.candidate.total_cost_usd_decimal)}\n`
  out += `spans ${s.total_spans_baseline} → ${s.total_spans_candidate}, matched ${s.matched_spans} (${s.heuristic_matches} by heuristic), only in baseline ${s.unmatched_baseline_spans}, only in candidate ${s.unmatched_candidate_spans}\n`
  out += `duration ${sign(s.duration_delta_ms)} ms, tokens in ${sign(s.tokens_in_delta)}, tokens out ${sign(s.tokens_out_delta)}, cost ${s.cost_delta_usd_decimal.startsWith('-') ? '' : '+'}${s.cost_delta_usd_decimal} USD\n\n`
  for (const row of d.span_diffs) out += diffLine(row, o) + '\n'
  return out
}

function diffLine(row: SpanDiffRow, o: OutputOptions): string {
  const p = painter(o.color)
  const span = row.candidate_span ?? row.baseline_span!
  const indent = '  '.repeat(row.depth)
  let text = `${MARK[row.diff_status]} ${indent}${span.name} [${span.kind.toLowerCase()}] ${row.diff_status}`
  if (row.changed_fields.length) text += ` (${row.changed_fields.join(', ')})`
  if (row.baseline_span && row.candidate_span && row.baseline_span.status !== row.candidate_span.status) text += ` ${row.baseline_span.status} → ${row.candidate_span.status}`
  for (const pd of row.payload_diffs.slice(0, 3)) text += `\n    ${indent}${pd.field}${pd.path === '$' ? '' : pd.path.slice(1)}: ${JSON.stringify(pd.baseline)} → ${JSON.stringify(pd.candidate)}`
  if (row.diff_status === 'baseline_only') return p.red(text)
  if (row.diff_status === 'candidate_only') return p.green(text)
  if (row.diff_status === 'changed') return p.yellow(text)
  return text
}
