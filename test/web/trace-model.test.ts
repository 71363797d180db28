import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Span, TimelineEvent } from '../../server/web/src/api.js'
import { ancestors, buildTree, classifyRunning, defaultExpansion, flatten, openWaits, primaryFailure, retrySafety, STALL_AFTER_MS } from '../../server/web/src/trace-model.js'

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

describe('running-state classification', () => {
  // Times in seconds after 2026-01-01T00:00:00Z, as span() takes them.
  const T = (sec: number) => Date.UTC(2026, 0, 1, 0, 0, sec)
  const open = (id: string, parent: string | undefined, kind: Span['kind'], start: number, model?: string) => ({ ...span(id, parent, 'RUNNING', start), kind, model })
  const at = (e: TimelineEvent, sec: number) => ({ ...e, timestamp: new Date(T(sec)).toISOString() })

  it('says unknown with nothing recorded, and for a quiet-but-recent trace with nothing open', () => {
    assert.deepEqual([classifyRunning([], [], T(0)).state, classifyRunning([], [], T(0)).basis], ['unknown', 'heuristic'])
    const c = classifyRunning([span('done', undefined, 'COMPLETED', 0, 5)], [], T(10))
    assert.deepEqual([c.state, c.basis], ['unknown', 'heuristic'])
  })

  it('prefers a declared wait over open spans, and a resolved wait no longer counts', () => {
    const spans = [open('root', undefined, 'AGENT', 0), open('call', 'root', 'LLM', 1)]
    const entered = at(event('root', 'wait', { wait_id: 'w1', wait_kind: 'human_approval', phase: 'entered' }), 2)
    const c = classifyRunning(spans, [entered], T(3))
    assert.deepEqual([c.state, c.basis], ['declared_wait', 'declared'])
    assert.match(c.reason, /human_approval w1/)
    assert.equal(c.waits.length, 1)
    // Even long after: a declared wait is not a stall.
    assert.equal(classifyRunning(spans, [entered], T(2) + STALL_AFTER_MS * 10).state, 'declared_wait')
    const resolved = at(event('root', 'wait', { wait_id: 'w1', phase: 'resolved' }), 3)
    assert.equal(classifyRunning(spans, [entered, resolved], T(4)).state, 'waiting_on_model')
  })

  it('infers a model or a tool call from the open spans with no open child', () => {
    const m = classifyRunning([open('root', undefined, 'AGENT', 0), open('call', 'root', 'LLM', 1, 'gpt-4o')], [], T(5))
    assert.deepEqual([m.state, m.basis], ['waiting_on_model', 'inferred'])
    assert.match(m.reason, /gpt-4o/)
    assert.deepEqual(m.frontier.map((s) => s.span_id), ['call'])
    assert.equal(m.openSpans, 2)
    const t = classifyRunning([open('root', undefined, 'AGENT', 0), open('search', 'root', 'TOOL', 1), span('llm-done', 'root', 'COMPLETED', 0, 1)], [], T(5))
    assert.deepEqual([t.state, t.basis], ['waiting_on_tool', 'inferred'])
    // An LLM span whose own child (a tool it called) is open is not where the work is.
    const nested = classifyRunning([open('agent-llm', undefined, 'LLM', 0), open('tool', 'agent-llm', 'TOOL', 1)], [], T(5))
    assert.equal(nested.state, 'waiting_on_tool')
  })

  it('takes a durable run\'s own wait as declared, however long it lasts', () => {
    const spans = [open('engine:root:r', undefined, 'CHAIN', 0)]
    const later = T(0) + STALL_AFTER_MS * 100
    assert.equal(classifyRunning(spans, [], later).state, 'possibly_stalled')
    const w = classifyRunning(spans, [], later, STALL_AFTER_MS, { status: 'WAITING', wait: { kind: 'signal', signal_name: 'approve' } })
    assert.deepEqual([w.state, w.basis, w.reason], ['declared_wait', 'declared', 'The engine run waits on signal approve'])
    assert.equal(classifyRunning(spans, [], later, STALL_AFTER_MS, { status: 'SUSPENDED' }).state, 'declared_wait')
    // The engine's word comes before the trace's own wait events (a signal's timeout is a timer there).
    const timer = event('engine:root:r', 'wait', { wait_id: 'timer:timer-2', wait_kind: 'timer', phase: 'entered' })
    const both = classifyRunning(spans, [timer], T(1), STALL_AFTER_MS, { status: 'waiting', wait: { kind: 'signal', signal_name: 'approve' } })
    assert.match(both.reason, /signal approve/)
    assert.equal(both.waits.length, 1)
    // A run the engine reports as queued or running is judged from the trace like any other.
    assert.equal(classifyRunning(spans, [], T(1), STALL_AFTER_MS, { status: 'QUEUED' }).state, 'actively_executing')
  })

  it('calls other open work actively executing while recent, possibly stalled once quiet', () => {
    const spans = [open('root', undefined, 'AGENT', 0), open('step', 'root', 'CHAIN', 10)]
    const a = classifyRunning(spans, [], T(20))
    assert.deepEqual([a.state, a.basis], ['actively_executing', 'inferred'])
    const quiet = classifyRunning(spans, [], T(10) + STALL_AFTER_MS + 1000)
    assert.deepEqual([quiet.state, quiet.basis], ['possibly_stalled', 'heuristic'])
    // An open model call that has been silent past the threshold is possibly stalled too.
    assert.equal(classifyRunning([open('call', undefined, 'LLM', 0)], [], T(0) + STALL_AFTER_MS + 1).state, 'possibly_stalled')
    // Recency counts events and span ends, not only span starts.
    const late = at(event('root', 'log', {}), 400)
    assert.equal(classifyRunning(spans, [late], T(400) + 1000).state, 'actively_executing')
    assert.equal(classifyRunning(spans, [late], T(400) + 1000).lastActivity, new Date(T(400)).toISOString())
  })
})

describe('server-sent event parsing', () => {
  it('splits frames, skips comments, keeps resume ids and keeps an incomplete frame for the next chunk', async () => {
    const { parseSse } = await import('../../server/web/src/sse.js')
    const first = parseSse('retry: 2000\nevent: ready\ndata: {"after":3}\n\n: heartbeat\n\nid: 7\nevent: span\ndata: {"id":"a"}\n\nevent: ev')
    assert.deepEqual(first.messages, [
      { event: 'ready', data: { after: 3 } },
      { event: 'span', data: { id: 'a' }, id: 7 },
    ])
    const second = parseSse(first.rest + 'ent\ndata: {"id":"e1"}\n\nevent: bad\ndata: {oops\n\n')
    assert.deepEqual(second.messages, [{ event: 'event', data: { id: 'e1' } }])
    assert.equal(second.rest, '')
  })
})
