import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { renderTable, resolveOutput, stripAnsi, type OutputOptions } from '../../src/cli/output.js'
import { sinceCutoff } from '../../src/cli/time.js'
import type { TraceDetail } from '../../src/contract/traces.js'
import { renderTrace } from '../../src/trace-view/render-text.js'
import { buildTree, flatten, primaryFailure } from '../../src/trace-view/tree.js'
import { waterfallBar } from '../../src/trace-view/waterfall.js'
import { bigTrace, span } from '../tui/fixtures.js'

// The pure rendering pieces behind the CLI's human output.

const tty: OutputOptions = { format: 'text', color: true, tty: true, width: 80 }
const piped: OutputOptions = { format: 'text', color: false, tty: false, width: Number.POSITIVE_INFINITY }

describe('CLI rendering', () => {
  it('output mode: colour only on a terminal without --no-color/NO_COLOR; --json wins over -o', () => {
    assert.equal(resolveOutput({}, { noColor: false }, { isTTY: true, columns: 120 }).color, true)
    assert.equal(resolveOutput({ 'no-color': true }, { noColor: false }, { isTTY: true }).color, false)
    assert.equal(resolveOutput({}, { noColor: true }, { isTTY: true }).color, false)
    assert.equal(resolveOutput({}, { noColor: false }, { isTTY: undefined }).color, false)
    assert.equal(resolveOutput({ output: 'jsonl', json: true }, { noColor: false }, {}).format, 'json')
  })

  it('tables: tab-separated without header or truncation when piped; aligned, headed and fitted on a terminal', () => {
    const rows = [{ a: 'x', b: 'a'.repeat(200) }, { a: 'yy', b: 'short\ttab' }]
    const cols = [
      { header: 'A', get: (r: (typeof rows)[0]) => r.a },
      { header: 'B', get: (r: (typeof rows)[0]) => r.b, flex: true },
    ]
    assert.equal(renderTable(rows, cols, piped), `x\t${'a'.repeat(200)}\nyy\tshort tab\n`)
    const out = renderTable(rows, cols, tty)
    const lines = stripAnsi(out).trimEnd().split('\n')
    assert.equal(lines[0], 'A   B')
    assert.ok(lines.every((l) => l.length <= 80))
    assert.match(lines[1]!, /…$/)
  })

  it('waterfall bars sit on the axis with eighth-block precision and never exceed the width', () => {
    assert.equal(waterfallBar(0, 100, 0, 100, 10), '██████████')
    assert.equal(waterfallBar(50, 100, 0, 100, 10), '     █████')
    assert.equal(waterfallBar(0, 5, 0, 100, 10), '▌         ')
    assert.equal(waterfallBar(0, 0, 0, 100, 10), '▏         ')
    assert.equal(waterfallBar(0, 100, 0, 100, 10, true), '==========')
    for (const [s, e] of [[-5, 500], [99, 100], [100, 100]]) assert.equal(waterfallBar(s!, e!, 0, 100, 12).length, 12)
  })

  it('span tree: orphans become roots, cycles do not hang, the primary failure is the deepest earliest failed span', () => {
    const tree = buildTree([
      span({ span_id: 'a', name: 'root' }),
      span({ span_id: 'b', parent_span_id: 'a', status: 'FAILED' }),
      span({ span_id: 'c', parent_span_id: 'b', status: 'FAILED', error_message: 'the cause' }),
      span({ span_id: 'o', parent_span_id: 'missing' }),
      span({ span_id: 'x', parent_span_id: 'y' }),
      span({ span_id: 'y', parent_span_id: 'x' }),
    ])
    const rows = flatten(tree)
    assert.deepEqual(rows.map((r) => r.node.span.span_id).sort(), ['a', 'b', 'c', 'o', 'x', 'y'])
    assert.equal(primaryFailure(tree)?.span.span_id, 'c')
    assert.deepEqual(flatten(tree, { failedOnly: true }).map((r) => r.node.span.span_id), ['a', 'b', 'c'])
  })

  it('trace text: unicode glyphs and colour on a terminal, text glyphs and no ANSI when piped', () => {
    const spans = bigTrace(2, 3, 4)
    const trace = { id: spans[0]!.trace_id, trace_id: 't', name: 'pipeline run', status: 'FAILED', started_at: spans[0]!.started_at, duration_ms: 70, total_spans: spans.length, total_tokens_in: 10, total_tokens_out: 2, total_cache_read_tokens: 0, total_cache_write_tokens: 0, total_reasoning_tokens: 0, total_cost_usd: 0.5, total_cost_usd_decimal: '0.5', error_count: 1, metadata: {}, change_seq: 1, tags: [], input_truncated: false, output_truncated: false, placeholder: false } as TraceDetail
    const colour = renderTrace(trace, spans, { output: { ...tty, width: 120 } })
    assert.match(colour, /\u001b\[31m/)
    assert.match(stripAnsi(colour), /✗ \[llm\] call_1_0 ◀ error/)
    assert.match(stripAnsi(colour), /Error in call_1_0 \(leaf-1-0\): boom 1\/0/)
    const plain = renderTrace(trace, spans, { output: piped })
    assert.doesNotMatch(plain, /\u001b/)
    assert.match(plain, /^  ├ \[!\] \[llm\] call_1_0 ◀ error +9ms gpt-4o 100→10 +=/m)
  })

  it('--since takes a duration or an RFC 3339 time', () => {
    const now = Date.parse('2026-01-01T12:00:00Z')
    assert.equal(sinceCutoff('15m', now), now - 15 * 60_000)
    assert.equal(sinceCutoff('2026-01-01T11:00:00Z', now), now - 3_600_000)
    assert.throws(() => sinceCutoff('soon', now), /--since must be a duration/)
  })
})
