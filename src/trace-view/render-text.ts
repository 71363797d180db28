import { formatCost, formatDuration, formatTokens, painter, truncate, type OutputOptions } from '../cli/output.js'
import type { Span, TimelineEvent, TraceDetail } from '../contract/traces.js'
import { buildTree, endOf, flatten, KIND_TAG, primaryFailure, spanDurationMs, STATUS_GLYPH, type SpanTree, type TreeRow } from './tree.js'
import { waterfallBar } from './waterfall.js'

// `continua trace inspect` as text: a header, the primary error, then one line per span with
// tree gutter, status glyph, kind, name, duration, model/tokens/cost and a waterfall bar.

export interface RenderOptions {
  output: OutputOptions
  events?: TimelineEvent[]
  failedOnly?: boolean
  now?: number
}

const TRACE_GLYPH = { RUNNING: '▷', COMPLETED: '✓', FAILED: '✗' } as const

export function renderTraceHeader(trace: TraceDetail, o: OutputOptions): string {
  const p = painter(o.color)
  const ascii = !o.color
  const glyph = ascii ? '' : TRACE_GLYPH[trace.status] + ' '
  const status = trace.status === 'FAILED' ? p.red(glyph + trace.status) : trace.status === 'RUNNING' ? p.blue(glyph + trace.status) : p.green(glyph + trace.status)
  const facts = [
    status,
    formatDuration(trace.duration_ms),
    `${trace.total_spans} spans`,
    `tokens ${formatTokens(trace.total_tokens_in)} in / ${formatTokens(trace.total_tokens_out)} out`,
    formatCost(trace.total_cost_usd_decimal),
    trace.error_count ? p.red(`${trace.error_count} error${trace.error_count === 1 ? '' : 's'}`) : '',
  ].filter(Boolean)
  const ids = [`id ${trace.id}`, `trace_id ${trace.trace_id}`, trace.session_external_id ? `session ${trace.session_external_id}` : ''].filter(Boolean)
  return `${p.bold('TRACE ' + trace.name)}  ${facts.join('  ')}\n${p.dim(ids.join('  '))}\n`
}

export function renderTrace(trace: TraceDetail, spans: Span[], r: RenderOptions): string {
  const o = r.output
  const p = painter(o.color)
  const now = r.now ?? Date.now()
  const tree = buildTree(spans, now)
  let out = renderTraceHeader(trace, o)
  const failure = primaryFailure(tree)
  if (failure) out += p.red(`Error in ${failure.span.name} (${failure.span.span_id}): ${failure.span.error_message ?? 'failed'}`) + '\n'
  out += '\n'
  const rows = flatten(tree, { failedOnly: r.failedOnly })
  const byspan = new Map<string, TimelineEvent[]>()
  for (const e of r.events ?? []) {
    const key = e.span_id ?? ''
    if (!byspan.has(key)) byspan.set(key, [])
    byspan.get(key)!.push(e)
  }
  const lines = rows.map((row) => spanLine(row, tree, o, now, failure?.span.span_id))
  const labelWidth = Math.min(Math.max(...lines.map((l) => l.label.length), 10), o.tty ? Math.floor(o.width * 0.45) : 10_000)
  const factsWidth = Math.max(...lines.map((l) => l.facts.length), 0)
  const barWidth = o.tty ? Math.max(10, o.width - labelWidth - factsWidth - 4) : 40
  const traceLevel = byspan.get('') ?? []
  for (const e of traceLevel) out += eventLine(e, '', o)
  rows.forEach((row, i) => {
    const l = lines[i]!
    const label = o.tty ? truncate(l.label, labelWidth).padEnd(labelWidth) : l.label.padEnd(labelWidth)
    const s = row.node.span
    const bar = waterfallBar(Date.parse(s.started_at), endOf(s, now), tree.start, tree.end, barWidth, !o.color)
    const paintedLabel = s.status === 'FAILED' ? p.red(label) : s.status === 'STARTED' ? p.blue(label) : label
    out += `${paintedLabel}  ${l.facts.padEnd(factsWidth)}  ${s.status === 'FAILED' ? p.red(bar) : p.cyan(bar)}`.trimEnd() + '\n'
    for (const e of byspan.get(s.span_id) ?? []) out += eventLine(e, row.prefix.replace(/├/g, '│').replace(/└/g, ' ') + '  ', o)
  })
  return out
}

function spanLine(row: TreeRow, _tree: SpanTree, o: OutputOptions, now: number, primaryId: string | undefined): { label: string; facts: string } {
  const s = row.node.span
  const glyph = o.color ? STATUS_GLYPH[s.status].unicode : STATUS_GLYPH[s.status].ascii
  const fold = row.folded ? `▶ (${row.node.size - 1}) ` : ''
  const mark = s.span_id === primaryId ? ' ◀ error' : ''
  const label = `${row.prefix}${fold}${glyph} [${KIND_TAG[s.kind]}] ${s.name}${mark}`
  const facts = [formatDuration(spanDurationMs(s, now)) + (s.status === 'STARTED' ? '…' : ''), s.model ?? '', s.tokens_in !== undefined || s.tokens_out !== undefined ? `${formatTokens(s.tokens_in ?? 0)}→${formatTokens(s.tokens_out ?? 0)}` : '', formatCost(s.cost_usd_decimal, s.cost_usd)]
    .filter(Boolean)
    .join(' ')
  return { label, facts }
}

function eventLine(e: TimelineEvent, indent: string, o: OutputOptions): string {
  const p = painter(o.color)
  const time = e.timestamp.slice(11, 23)
  const text = `${indent}· ${time} ${e.event_type}${e.message ? ' ' + e.message : ''}`
  return (e.level === 'error' || e.event_type === 'span_failed' ? p.red(text) : p.dim(text)) + '\n'
}

/** One span in full, for `--span <id>`. */
export function renderSpan(span: Span, o: OutputOptions): string {
  const p = painter(o.color)
  const rows: Array<[string, string | undefined]> = [
    ['span_id', span.span_id],
    ['parent', span.parent_span_id],
    ['name', span.name],
    ['kind', `${span.kind} (${span.type})`],
    ['status', span.status],
    ['started', span.started_at],
    ['ended', span.ended_at],
    ['duration', formatDuration(spanDurationMs(span))],
    ['model', span.model ? `${span.model}${span.provider ? ` (${span.provider})` : ''}` : undefined],
    ['tokens', span.tokens_in !== undefined || span.tokens_out !== undefined ? `${span.tokens_in ?? 0} in / ${span.tokens_out ?? 0} out` : undefined],
    ['cost', span.cost_usd_decimal ? `$${span.cost_usd_decimal}` : undefined],
    ['error', span.error_message],
  ]
  let out = rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${p.bold(k.padEnd(9))} ${k === 'error' ? p.red(v!) : v}`).join('\n') + '\n'
  for (const field of ['input', 'output', 'metadata'] as const) {
    const v = span[field]
    if (v === undefined) continue
    const truncated = field !== 'metadata' && span[`${field}_truncated`]
    out += `\n${p.bold(field)}${truncated ? p.yellow(' (truncated for storage)') : ''}\n${JSON.stringify(v, null, 2)}\n`
  }
  return out
}

/** A line per span as it arrives on --follow. */
export function followLine(span: Span, o: OutputOptions): string {
  const p = painter(o.color)
  const glyph = o.color ? STATUS_GLYPH[span.status].unicode : STATUS_GLYPH[span.status].ascii
  const text = `${span.started_at.slice(11, 23)} ${glyph} [${KIND_TAG[span.kind]}] ${span.name} ${span.status.toLowerCase()} ${span.ended_at ? formatDuration(spanDurationMs(span)) : ''}${span.error_message ? ' ' + span.error_message : ''}`.trimEnd()
  return (span.status === 'FAILED' ? p.red(text) : text) + '\n'
}
