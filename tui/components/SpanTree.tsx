import { Box, Text } from 'ink'
import { formatCost, formatDuration, formatTokens } from '../../src/cli/output.js'
import { endOf, KIND_TAG, spanDurationMs, STATUS_GLYPH, type TreeRow } from '../../src/trace-view/tree.js'
import { waterfallBar } from '../../src/trace-view/waterfall.js'
import { windowStart } from '../state/selectors.js'

// The span tree beside its waterfall. Windowed: a 10,000-span trace renders `height` rows.

export interface SpanTreeProps {
  rows: TreeRow[]
  cursor: number
  height: number
  width: number
  axisStart: number
  axisEnd: number
  now: number
  focused: boolean
}

const STATUS_COLOR = { FAILED: 'red', STARTED: 'blue', COMPLETED: undefined, SCHEDULED: 'gray' } as const

export function SpanTree({ rows, cursor, height, width, axisStart, axisEnd, now, focused }: SpanTreeProps) {
  const start = windowStart(cursor, rows.length, height)
  const shown = rows.slice(start, start + height)
  const barWidth = Math.max(6, Math.floor(width * (width < 80 ? 0.2 : 0.3)))
  const factsWidth = width < 80 ? 14 : 18
  const labelWidth = Math.max(10, width - barWidth - factsWidth - 3)
  return (
    <Box flexDirection="column" width={width} height={height}>
      {rows.length === 0 ? <Text dimColor> no spans</Text> : null}
      {shown.map((row, i) => {
        const s = row.node.span
        const selected = start + i === cursor
        const fold = row.node.children.length ? (row.folded ? `▶(${row.node.size - 1}) ` : '▼ ') : '  '
        let label = `${row.prefix}${fold}${STATUS_GLYPH[s.status].unicode} ${s.status === 'FAILED' ? '[!] ' : ''}${KIND_TAG[s.kind]} ${s.name}`
        label = label.length > labelWidth ? label.slice(0, labelWidth - 1) + '…' : label.padEnd(labelWidth)
        const tokens = s.tokens_in !== undefined || s.tokens_out !== undefined ? ` ${formatTokens(s.tokens_in ?? 0)}→${formatTokens(s.tokens_out ?? 0)}` : ''
        const facts = (formatDuration(spanDurationMs(s, now)) + tokens + (s.cost_usd_decimal ? ' ' + formatCost(s.cost_usd_decimal) : '')).slice(0, factsWidth).padEnd(factsWidth)
        const bar = waterfallBar(Date.parse(s.started_at), endOf(s, now), axisStart, axisEnd, barWidth)
        return (
          <Text key={s.span_id} wrap="truncate" inverse={selected && focused} underline={selected && !focused}>
            <Text color={STATUS_COLOR[s.status]}>{label}</Text> <Text dimColor>{facts}</Text> <Text color={s.status === 'FAILED' ? 'red' : 'cyan'}>{bar}</Text>
          </Text>
        )
      })}
    </Box>
  )
}
