import { Box, Text } from 'ink'
import { formatCost, formatDuration, formatTokens } from '../../src/cli/output.js'
import { waitText } from '../../src/cli/runs-view.js'
import type { RunSummary } from '../../src/contract/runs.js'
import type { TraceView } from '../state/types.js'
import type { SpanNode } from '../../src/trace-view/tree.js'
import { DetailPane } from './DetailPane.js'
import { SpanTree } from './SpanTree.js'

// One trace: header, span tree + waterfall on the left, the selected span's detail on the right.

export function TraceScreen({ view, run, height, width, now }: { view: TraceView; run?: RunSummary; height: number; width: number; now: number }) {
  const t = view.trace
  if (!t) return <Text color={view.error ? 'red' : undefined}>{view.error ?? `Loading ${view.ref}…`}</Text>
  // Narrow terminals give the tree more room; the detail pane truncates.
  const treeWidth = Math.floor(width * (width < 120 ? 0.7 : 0.62))
  const selected = view.rows[view.cursor]?.node.span
  const events = subtreeEvents(view, view.rows[view.cursor]?.node)
  const live = view.live === 'sse' ? '● live' : view.live === 'polling' ? '○ polling' : view.live === 'loading' ? '… loading' : ''
  const bodyHeight = Math.max(1, height - 1)
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        <Text bold>{t.name}</Text>
        <Text color={t.status === 'FAILED' ? 'red' : t.status === 'RUNNING' ? 'blue' : 'green'}>{` ${t.status}`}</Text>
        <Text dimColor>{`  ${formatDuration(t.duration_ms)}  ${view.spans.length} spans  tokens ${formatTokens(t.total_tokens_in)}/${formatTokens(t.total_tokens_out)}  ${formatCost(t.total_cost_usd_decimal)}  ${t.error_count ? t.error_count + ' errors  ' : ''}${run ? `run ${run.status}${run.wait_state ? ' on ' + waitText(run.wait_state) : ''}  ` : view.runId ? 'run ' + view.runId + '  ' : ''}${live}`}</Text>
      </Text>
      <Box height={bodyHeight}>
        <SpanTree rows={view.rows} cursor={view.cursor} height={bodyHeight} width={treeWidth} axisStart={view.tree?.start ?? 0} axisEnd={view.tree?.end ?? 1} now={now} focused={view.focus === 'tree'} />
        <Box width={1} height={bodyHeight}>
          <Text dimColor>{'│\n'.repeat(bodyHeight).trimEnd()}</Text>
        </Box>
        <DetailPane span={selected} events={events} depth={view.jsonDepth} scroll={view.detailScroll} height={bodyHeight} width={width - treeWidth - 2} focused={view.focus === 'detail'} />
      </Box>
    </Box>
  )
}

/** The timeline of a span and everything under it: on the root, the whole trace's (at most 500). */
function subtreeEvents(view: TraceView, node: SpanNode | undefined): TraceView['events'] {
  if (!node) return []
  const ids = new Set<string>()
  const stack = [node]
  while (stack.length) {
    const n = stack.pop()!
    ids.add(n.span.span_id)
    stack.push(...n.children)
  }
  const events = view.events.filter((e) => (e.span_id ? ids.has(e.span_id) : node.depth === 0))
  events.sort((a, b) => a.timestamp.localeCompare(b.timestamp))
  return events.slice(-500)
}
