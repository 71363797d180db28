import { Box, Text } from 'ink'
import { formatCost, formatDuration } from '../../src/cli/output.js'
import type { Span, TimelineEvent } from '../../src/contract/traces.js'
import { spanDurationMs } from '../../src/trace-view/tree.js'
import { jsonLines } from './json-lines.js'

// The selected span: facts, error, input/output/metadata as JSON folded below `depth`, and the
// span's events. Scrolls when focused.

export interface DetailPaneProps {
  span: Span | undefined
  events: TimelineEvent[]
  depth: number
  scroll: number
  height: number
  width: number
  focused: boolean
}

export function detailLines(span: Span, events: TimelineEvent[], depth: number): Array<{ text: string; color?: string; bold?: boolean }> {
  const out: Array<{ text: string; color?: string; bold?: boolean }> = []
  out.push({ text: `${span.name}  (${span.kind.toLowerCase()}, ${span.type})`, bold: true })
  out.push({ text: `status ${span.status}  ${formatDuration(spanDurationMs(span))}  span ${span.span_id}` })
  if (span.model) out.push({ text: `model ${span.model}${span.provider ? ` (${span.provider})` : ''}` })
  if (span.tokens_in !== undefined || span.tokens_out !== undefined) out.push({ text: `tokens ${span.tokens_in ?? 0} in / ${span.tokens_out ?? 0} out${span.reasoning_tokens ? ` / ${span.reasoning_tokens} reasoning` : ''}` })
  if (span.cost_usd_decimal) out.push({ text: `cost ${formatCost(span.cost_usd_decimal)} ($${span.cost_usd_decimal}${span.cost_source ? `, ${span.cost_source}` : ''})` })
  if (span.error_message) out.push({ text: `error: ${span.error_message}`, color: 'red' })
  for (const field of ['input', 'output', 'metadata'] as const) {
    const v = span[field]
    if (v === undefined) continue
    out.push({ text: `${field}${field !== 'metadata' && span[`${field}_truncated`] ? ' (truncated)' : ''}`, bold: true })
    for (const line of jsonLines(v, depth)) out.push({ text: line })
  }
  if (span.input === undefined && span.output === undefined && span.metadata === undefined) out.push({ text: 'loading payloads…', color: 'gray' })
  if (events.length) {
    out.push({ text: `events (${events.length})`, bold: true })
    for (const e of events)
      out.push({ text: `${e.timestamp.slice(11, 23)} ${e.event_type}${e.span_id && e.span_id !== span.span_id && e.span_name ? ` [${e.span_name}]` : ''}${e.message ? ' ' + e.message : ''}`, color: e.level === 'error' || e.event_type === 'span_failed' ? 'red' : undefined })
  }
  return out
}

export function DetailPane({ span, events, depth, scroll, height, width, focused }: DetailPaneProps) {
  if (!span) return <Box width={width} height={height} />
  const lines = detailLines(span, events, depth)
  const start = Math.min(scroll, Math.max(0, lines.length - height))
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={undefined}>
      {lines.slice(start, start + height).map((l, i) => (
        <Text key={start + i} wrap="truncate" color={l.color} bold={l.bold} dimColor={!focused && !l.bold && !l.color}>
          {(i === 0 && start > 0 ? '↑ ' : '') + l.text}
        </Text>
      ))}
    </Box>
  )
}
