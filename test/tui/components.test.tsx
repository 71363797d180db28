/** @jsxRuntime automatic */
/** @jsxImportSource react */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { render } from 'ink-testing-library'
import { buildTree, flatten } from '../../src/trace-view/tree.js'
import { DetailPane } from '../../tui/components/DetailPane.js'
import { HelpOverlay } from '../../tui/components/HelpOverlay.js'
import { jsonLines } from '../../tui/components/json-lines.js'
import { SpanTree } from '../../tui/components/SpanTree.js'
import { TraceScreen } from '../../tui/components/TraceScreen.js'
import { initialState, reducer } from '../../tui/state/reducer.js'
import type { TimelineEvent, TraceDetail } from '../../src/contract/traces.js'
import { KEYS } from '../../tui/keys.js'
import { bigTrace } from './fixtures.js'

// Components rendered with ink-testing-library from props alone.

describe('tui components', () => {
  it('SpanTree renders only the visible window of a 10,000-span trace, around the cursor', () => {
    const spans = bigTrace(100, 100, 997)
    const tree = buildTree(spans)
    const rows = flatten(tree)
    assert.equal(rows.length, 10_101)
    const { lastFrame, rerender } = render(<SpanTree rows={rows} cursor={0} height={12} width={120} axisStart={tree.start} axisEnd={tree.end} now={tree.end} focused />)
    let frame = lastFrame()!
    assert.equal(frame.split('\n').length, 12)
    assert.match(frame, /^▼ ✓ chain pipeline/)
    assert.match(frame, /call_0_0/)
    rerender(<SpanTree rows={rows} cursor={5000} height={12} width={120} axisStart={tree.start} axisEnd={tree.end} now={tree.end} focused />)
    frame = lastFrame()!
    assert.equal(frame.split('\n').length, 12)
    const selected = rows[5000]!.node.span.name
    assert.ok(frame.includes(selected), `${selected} on screen`)
    assert.doesNotMatch(frame, /call_0_0\b/)
    const failedAt = rows.findIndex((r) => r.node.span.status === 'FAILED')
    rerender(<SpanTree rows={rows} cursor={failedAt} height={12} width={120} axisStart={tree.start} axisEnd={tree.end} now={tree.end} focused />)
    assert.match(lastFrame()!, /✗ \[!\] llm call_/)
  })

  it('HelpOverlay lists every key binding', () => {
    const { lastFrame } = render(<HelpOverlay width={110} height={40} />)
    const frame = lastFrame()!
    for (const k of KEYS) assert.ok(frame.includes(k.keys) && frame.includes(k.action), `${k.keys} listed`)
  })

  it('HelpOverlay splits into two columns on a short screen, keeping every key', () => {
    const { lastFrame } = render(<HelpOverlay width={200} height={18} />)
    const frame = lastFrame()!
    assert.ok(frame.split('\n').length <= 18)
    for (const k of KEYS) assert.ok(frame.includes(k.action), `${k.keys} listed`)
  })

  it('DetailPane shows model, tokens, error and folds JSON below the chosen depth', () => {
    const failed = bigTrace(1, 7, 7).find((s) => s.status === 'FAILED')!
    const { lastFrame, rerender } = render(<DetailPane span={failed} events={[]} depth={1} scroll={0} height={20} width={80} focused />)
    let frame = lastFrame()!
    assert.match(frame, /model gpt-4o/)
    assert.match(frame, /tokens 106 in \/ 10 out/)
    assert.match(frame, /error: boom 0\/6/)
    assert.match(frame, /"nested": \{…1 keys\}/)
    rerender(<DetailPane span={failed} events={[]} depth={4} scroll={0} height={20} width={80} focused />)
    frame = lastFrame()!
    assert.match(frame, /"c": 1/)
  })

  it('TraceScreen: the root shows the whole timeline, a leaf only its own events', () => {
    const spans = bigTrace(2, 2)
    const ev = (id: string, spanId: string, type: TimelineEvent['event_type'], name: string): TimelineEvent => ({ id, trace_id: spans[0]!.trace_id, span_id: spanId, span_name: name, event_type: type, timestamp: '2026-01-01T00:00:01.000Z', source: 'explicit', change_seq: 1 })
    const events = [ev('e1', 'leaf-0-1', 'decision', 'call_0_1'), ev('e2', 'leaf-1-0', 'effect', 'call_1_0')]
    const trace = { id: spans[0]!.trace_id, trace_id: 't', name: 'pipeline run', status: 'COMPLETED', started_at: spans[0]!.started_at, total_spans: spans.length, total_tokens_in: 0, total_tokens_out: 0, total_cache_read_tokens: 0, total_cache_write_tokens: 0, total_reasoning_tokens: 0, total_cost_usd: 0, total_cost_usd_decimal: '0', error_count: 0, metadata: {}, change_seq: 1, tags: [], input_truncated: false, output_truncated: false, placeholder: false } as TraceDetail
    let s = reducer(reducer(initialState(20), { type: 'open-trace', ref: trace.id }), { type: 'trace-loaded', trace, spans, events })
    const { lastFrame, rerender } = render(<TraceScreen view={s.trace!} height={20} width={160} now={0} />)
    assert.match(lastFrame()!, /events \(2\)/)
    assert.match(lastFrame()!, /decision \[call_0_1\]/)
    s = reducer(s, { type: 'move-to', where: 'last' })
    rerender(<TraceScreen view={s.trace!} height={20} width={160} now={0} />)
    assert.doesNotMatch(lastFrame()!, /events \(/)
  })

  it('jsonLines folds objects and arrays past the depth', () => {
    assert.deepEqual(jsonLines({ a: [1, 2], b: { c: {} } }, 1), ['{', '  "a": […2 items]', '  "b": {…1 keys}', '}'])
    assert.deepEqual(jsonLines('x', 0), ['"x"'])
  })
})
