import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Span, TimelineEvent } from '../../server/web/src/api.js'
import { ancestors, buildTree, defaultExpansion, flatten, openWaits, primaryFailure, retrySafety } from '../../server/web/src/trace-model.js'

// The pure parts of the trace workspace: tree building, flattening, the primary failure and
// the retry-safety verdict.

let n = 0
function span(span_id: string, parent: string | undefined, status: Span['status'], start: number, end?: number): Span {
  n++
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    trace_id: '00000000-0000-4000-8000-000000000000',
    span_id,
    parent_span_id: parent,
    name: span_id,
    kind: 'TOOL',
    type: 'tool',
    status,
    level: 'DEFAULT',
    started_at: new Date(Date.UTC(2026, 0, 1, 0, 0, start)).toISOString(),
    ended_at: end === undefined ? undefined : new Date(Date.UTC(2026, 0, 1, 0, 0, end)).toISOString(),
    input_truncated: false,
    output_truncated: false,
    change_seq: n,
  }
}

function event(span_id: string, event_type: TimelineEvent['event_type'], payload: Record<string, unknown>): TimelineEvent {
  n++
  return { id: `e${n}`, trace_id: '00000000-0000-4000-8000-000000000000', span_id, event_type, timestamp: '2026-01-01T00:00:00.000Z', source: 'explicit', payload, change_seq: n }
}

describe('trace model', () => {
  const spans = [span('root', undefined, 'FAILED', 0, 10), span('b', 'root', 'FAILED', 5, 9), span('a', 'root', 'COMPLETED', 1, 2), span('b1', 'b', 'FAILED', 6, 7), span('c', 'root', 'FAILED', 3, 8), span('orphan', 'missing-parent', 'COMPLETED', 0, 1)]
  const tree = buildTree(spans)

  it('builds the tree in start order; a span whose parent is missing becomes a root', () => {
    assert.deepEqual(tree.roots.map((r) => r.span.span_id), ['root', 'orphan'])
    assert.deepEqual(tree.bySpanId.get('root')!.children.map((c) => c.span.span_id), ['a', 'c', 'b'])
    assert.equal(tree.bySpanId.get('b1')!.depth, 2)
    assert.deepEqual(ancestors(tree.bySpanId.get('b1')).map((a) => a.span.span_id), ['root', 'b'])
  })

  it('flattens only expanded branches, and a filter keeps matches with their ancestors', () => {
    assert.deepEqual(flatten(tree, new Set()).map((x) => x.span.span_id), ['root', 'orphan'])
    const all = defaultExpansion(tree)
    assert.deepEqual(flatten(tree, all).map((x) => x.span.span_id), ['root', 'a', 'c', 'b', 'b1', 'orphan'])
    assert.deepEqual(flatten(tree, new Set(), (x) => x.span.span_id === 'b1').map((x) => x.span.span_id), ['root', 'b', 'b1'])
  })

  it('picks as primary failure the failed span without failed descendants that ended first', () => {
    // b1 (ends at 7) and c (ends at 8) are root causes; root and b only fail because of them.
    assert.equal(primaryFailure(tree)?.span.span_id, 'b1')
    assert.equal(primaryFailure(buildTree([span('ok', undefined, 'COMPLETED', 0, 1)])), undefined)
  })

  it('judges retry safety from effect events', () => {
    const s = tree.bySpanId.get('b1')!.span
    assert.equal(retrySafety(s, []).verdict, 'unknown')
    assert.equal(retrySafety(s, [event('b1', 'effect', { has_external_side_effect: false })]).verdict, 'retryable')
    assert.equal(retrySafety(s, [event('b1', 'effect', { has_external_side_effect: true, idempotent: true, idempotency_key: 'k' })]).verdict, 'retryable')
    assert.equal(retrySafety(s, [event('b1', 'effect', { has_external_side_effect: true, idempotent: false })]).verdict, 'unsafe')
    assert.equal(retrySafety(s, [event('b1', 'effect', { has_external_side_effect: true, idempotent: true })]).verdict, 'unknown')
    assert.equal(retrySafety(s, [event('other', 'effect', { has_external_side_effect: true, idempotent: false })]).verdict, 'unknown')
  })

  it('lists waits entered and not resolved', () => {
    const events = [event('a', 'wait', { wait_id: 'w1', phase: 'entered' }), event('a', 'wait', { wait_id: 'w2', phase: 'entered' }), event('a', 'wait', { wait_id: 'w1', phase: 'resolved' })]
    assert.deepEqual(openWaits(events).map((e) => e.payload?.wait_id), ['w2'])
  })
})

describe('server-sent event parsing', () => {
  it('splits frames, skips comments and keeps an incomplete frame for the next chunk', async () => {
    const { parseSse } = await import('../../server/web/src/sse.js')
    const first = parseSse('retry: 2000\nevent: ready\ndata: {"after":3}\n\n: heartbeat\n\nid: 7\nevent: span\ndata: {"id":"a"}\n\nevent: ev')
    assert.deepEqual(first.messages, [
      { event: 'ready', data: { after: 3 } },
      { event: 'span', data: { id: 'a' } },
    ])
    const second = parseSse(first.rest + 'ent\ndata: {"id":"e1"}\n\nevent: bad\ndata: {oops\n\n')
    assert.deepEqual(second.messages, [{ event: 'event', data: { id: 'e1' } }])
    assert.equal(second.rest, '')
  })
})
