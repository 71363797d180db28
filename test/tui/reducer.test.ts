import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { RunSummary } from '../../src/contract/runs.js'
import type { Trace, TraceDetail } from '../../src/contract/traces.js'
import { reducer, initialState, type Action } from '../../tui/state/reducer.js'
import { visibleTraces } from '../../tui/state/selectors.js'
import type { AppState } from '../../tui/state/types.js'
import { bigTrace, span } from './fixtures.js'

// The TUI state machine, key by key, without a terminal.

const key = (input: string, k: Record<string, boolean> = {}): Action => ({ type: 'key', input, key: k })
const run = (s: AppState, ...actions: Action[]) => actions.reduce(reducer, s)

const traceRow = (id: string, name: string, status: Trace['status'], session = 's1'): Trace => ({
  id,
  session_id: session,
  trace_id: name,
  name,
  status,
  started_at: '2026-01-01T00:00:00.000Z',
  total_spans: 1,
  total_tokens_in: 0,
  total_tokens_out: 0,
  total_cache_read_tokens: 0,
  total_cache_write_tokens: 0,
  total_reasoning_tokens: 0,
  total_cost_usd: 0,
  total_cost_usd_decimal: '0',
  error_count: status === 'FAILED' ? 1 : 0,
  metadata: {},
  change_seq: 1,
})
const detail = (spans: number): TraceDetail => ({ ...traceRow('t1', 'big', 'COMPLETED'), total_spans: spans, tags: [], input_truncated: false, output_truncated: false, placeholder: false })
const runRow = (id: string, status: string): RunSummary =>
  ({ run_id: id, instance_id: 'i', instance_key: `key-${id}`, definition_name: 'approval', definition_version: '1', status, run_number: 1, pending_work: { pending_activity_tasks: 0, pending_inbox_items: 0 }, root_run_id: id, child_depth: 0, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }) as RunSummary

describe('tui reducer and keymap', () => {
  const lists = run(initialState(10), { type: 'traces-loaded', rows: [traceRow('a', 'alpha', 'COMPLETED'), traceRow('b', 'beta', 'FAILED'), traceRow('c', 'gamma', 'COMPLETED', 's2')] }, { type: 'runs-loaded', rows: [runRow('r1', 'WAITING'), runRow('r2', 'FAILED')] })

  it('moves with j/k and arrows, clamped; tabs with 1/2/3 and Tab', () => {
    let s = run(lists, key('2'))
    assert.equal(s.tab, 'traces')
    s = run(s, key('j'), key('j'), key('j'), key('', { downArrow: true }))
    assert.equal(s.traces.cursor, 2)
    s = run(s, key('k'), key('', { upArrow: true }), key('k'))
    assert.equal(s.traces.cursor, 0)
    s = run(s, key('G'))
    assert.equal(s.traces.cursor, 2)
    assert.equal(run(s, key('', { tab: true })).tab, 'sessions')
  })

  it('"/" filters as typed in one chunk, Esc clears; f shows failed only; e jumps to the first failure', () => {
    let s = run(lists, key('2'), key('/beta\r'))
    assert.equal(s.filter, 'beta')
    assert.deepEqual(visibleTraces(s).map((t) => t.name), ['beta'])
    s = run(s, key('', { escape: true }))
    assert.equal(s.filter, '')
    s = run(s, key('f'))
    assert.deepEqual(visibleTraces(s).map((t) => t.name), ['beta'])
    s = run(s, key('f'), key('e'))
    assert.equal(visibleTraces(s)[s.traces.cursor]!.name, 'beta')
  })

  it('w marks a trace, a second w on another trace of the session asks for a compare', () => {
    let s = run(lists, key('2'), key('w'))
    assert.equal(s.marked?.id, 'a')
    s = run(s, key('j'), key('w'))
    assert.deepEqual(s.effects, [{ kind: 'compare', a: { id: 'a', name: 'alpha', sessionId: 's1' }, b: { id: 'b', name: 'beta', sessionId: 's1' } }])
    s = run(s, { type: 'effects-taken', count: 1 }, { type: 'compare-loaded', title: 'x', lines: ['a', 'b'] })
    assert.equal(s.view, 'compare')
    assert.equal(run(s, key('', { escape: true })).view, 'list')
  })

  it('s prompts for a signal name and JSON payload, then confirms; bad JSON keeps the prompt', () => {
    let s = run(lists, key('s'))
    assert.deepEqual(s.overlay, { kind: 'input', purpose: 'signal-name', value: '', runId: 'r1' })
    s = run(s, key('approve\r'), key('{"ok":'), key('\r'))
    assert.equal(s.overlay.kind, 'input')
    assert.match(s.message!.text, /not valid JSON/)
    s = run(s, key('true}'), key('', { return: true }))
    assert.equal(s.overlay.kind, 'confirm')
    s = run(s, key('y'))
    assert.deepEqual(s.effects, [{ kind: 'control', action: 'signal', runId: 'r1', signalName: 'approve', payload: { ok: true } }])
    assert.equal(s.overlay.kind, 'none')
  })

  it('c and t confirm; anything but y declines', () => {
    let s = run(lists, key('t'))
    assert.equal(s.overlay.kind === 'confirm' && s.overlay.action, 'terminate')
    s = run(s, key('n'))
    assert.deepEqual(s.effects, [])
    assert.equal(s.message?.text, 'Not done')
    s = run(s, key('c'), key('Y'))
    assert.deepEqual(s.effects, [{ kind: 'control', action: 'cancel', runId: 'r1', signalName: undefined, payload: undefined }])
  })

  it('trace view: Enter folds and unfolds, e unfolds to the primary failure, spans merge from the stream', () => {
    const spans = bigTrace(3, 4, 7)
    let s = run(lists, key('2'), key('\r'))
    assert.equal(s.view, 'trace')
    s = run(s, { type: 'trace-loaded', trace: detail(spans.length), spans, events: [] })
    assert.equal(s.trace!.rows.length, spans.length)
    s = run(s, key('j'), key('\r'))
    assert.equal(s.trace!.rows.length, spans.length - 4)
    assert.equal(s.trace!.rows[1]!.folded, true)
    s = run(s, key('', { rightArrow: true }))
    assert.equal(s.trace!.rows.length, spans.length)
    s = run(s, key('', { upArrow: true }), key(' '), key('e'))
    assert.equal(s.trace!.rows[s.trace!.cursor]!.node.span.span_id, 'leaf-1-2')
    s = run(s, { type: 'spans', spans: [span({ span_id: 'late', parent_span_id: 'root', name: 'late', started_at: '2026-01-02T00:00:00.000Z' }), { ...spans[2]!, name: 'renamed' }] })
    assert.equal(s.trace!.rows.length, spans.length + 1)
    assert.equal(s.trace!.rows.at(-1)!.node.span.name, 'late')
    assert.ok(s.trace!.rows.some((r) => r.node.span.name === 'renamed'))
    s = run(s, key('/call_2_\r'))
    assert.deepEqual(s.trace!.rows.map((r) => r.node.span.span_id), ['root', 'stage-2', 'leaf-2-0', 'leaf-2-1', 'leaf-2-2', 'leaf-2-3'])
    s = run(s, key('', { escape: true }), key('', { escape: true }))
    assert.equal(s.view, 'list')
  })

  it('run usage comes from the engine traces (engine:<run id>)', () => {
    const s = run(lists, { type: 'run-usage', traces: [{ ...traceRow('t9', 'engine:r1', 'COMPLETED'), total_tokens_in: 12, total_tokens_out: 3, total_cost_usd_decimal: '0.25' }, traceRow('t8', 'demo', 'COMPLETED')] })
    assert.deepEqual([...s.runUsage], [['r1', { tokensIn: 12, tokensOut: 3, cost: '0.25' }]])
  })

  it('Esc and a key typed together (Meta+key) act as both', () => {
    const s = run(lists, key('2'), key('/beta\r'), key('1', { meta: true }))
    assert.equal(s.filter, '')
    assert.equal(s.tab, 'runs')
  })

  it('q and Ctrl-C ask to exit; ? opens help and Esc closes it', () => {
    assert.deepEqual(run(lists, key('q')).effects, [{ kind: 'exit' }])
    assert.deepEqual(run(lists, key('c', { ctrl: true })).effects, [{ kind: 'exit' }])
    const help = run(lists, key('?'))
    assert.equal(help.overlay.kind, 'help')
    assert.equal(run(help, key('j')).runs.cursor, 0)
    assert.equal(run(help, key('', { escape: true })).overlay.kind, 'none')
  })
})
