import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TimelineEvent } from '../../server/web/src/api.js'
import { buildReplay, journalCounts, lifecyclePath, replayState, statusAfter, statusAtStep, type HistoryLike } from '../../server/web/src/engine-model.js'

// The engine views' pure parts: the lifecycle path a run took, the journal counts, and the replay
// step-through over a recorded history.

const h = (types: Array<[string, Record<string, unknown>?]>): HistoryLike[] => types.map(([event_type, payload], i) => ({ sequence_no: i + 1, event_type, payload: payload ?? {} }))

// The history of the `three-steps` workflow: one activity, then two in parallel.
const three = h([
  ['workflow.started', { instance_key: 'k' }],
  ['activity.scheduled', { command_id: 1, activity_key: 'activity-1', activity_type: 'greet' }],
  ['activity.completed', { command_id: 1, activity_key: 'activity-1', activity_type: 'greet', attempts: 1 }],
  ['activity.scheduled', { command_id: 2, activity_key: 'activity-2', activity_type: 'greet' }],
  ['activity.scheduled', { command_id: 3, activity_key: 'activity-3', activity_type: 'greet' }],
  ['activity.completed', { command_id: 2, activity_key: 'activity-2', activity_type: 'greet', attempts: 1 }],
  ['activity.completed', { command_id: 3, activity_key: 'activity-3', activity_type: 'greet', attempts: 1 }],
  ['workflow.completed', { result: ['a', 'b', 'c'] }],
])

describe('engine lifecycle', () => {
  it('derives the path from history, without repeats in a row', () => {
    const { path, edges, current } = lifecyclePath(three, 'COMPLETED')
    assert.deepEqual(path, ['queued', 'running', 'waiting', 'running', 'waiting', 'running', 'completed'])
    assert.equal(current, 'completed')
    assert.ok(edges.has('waiting>running') && edges.has('running>completed'))
    assert.ok(!edges.has('queued>terminated'))
  })

  it('ends the path with the current status when history does not show it', () => {
    assert.deepEqual(lifecyclePath(h([['workflow.started'], ['custom_status.updated']]), 'waiting').path, ['queued', 'running', 'waiting'])
    assert.deepEqual(lifecyclePath(h([['workflow.started']]), 'QUARANTINED').path, ['queued', 'running', 'quarantined'])
    assert.deepEqual(lifecyclePath([], 'queued').path, ['queued'])
    assert.equal(lifecyclePath([], 'bogus').current, 'queued')
  })

  it('keeps a suspended run suspended until it is resumed, and closes on terminate', () => {
    const p = lifecyclePath(h([['workflow.started'], ['timer.scheduled', { command_id: 1 }], ['workflow.suspended'], ['timer.fired', { command_id: 1 }], ['workflow.resumed'], ['workflow.terminated']]), 'terminated').path
    assert.deepEqual(p, ['queued', 'running', 'waiting', 'suspended', 'queued', 'terminated'])
    assert.equal(statusAfter('running', 'workflow.continued_as_new'), 'continued_as_new')
    assert.equal(statusAtStep(three, 0), 'running')
    assert.equal(statusAtStep(three, 1), 'waiting')
    assert.equal(statusAtStep(three, 7), 'completed')
  })

  it('counts the projected journal events by kind', () => {
    const ev = (event_type: string) => ({ event_type }) as TimelineEvent
    assert.deepEqual(journalCounts(['wait', 'wait', 'decision', 'state_change', 'log', 'span_started', 'snapshot_marker', 'effect'].map(ev)), { state_change: 1, decision: 1, effect: 1, wait: 2, snapshot_marker: 1 })
  })
})

describe('engine replay model', () => {
  const m = buildReplay(three, 'run-1')
  const at = (i: number) => Object.fromEntries(m.items.map((it) => [it.key, replayState(it, i)]))

  it('has the run and one item per activity attempt, mapped to the projected span ids', () => {
    assert.deepEqual(
      m.items.map((it) => [it.key, it.spanId, it.start, it.end]),
      [
        ['run', 'engine:root:run-1', 0, 7],
        ['activity:activity-1:1', 'engine:activity:run-1:activity-1:1', 1, 2],
        ['activity:activity-2:1', 'engine:activity:run-1:activity-2:1', 3, 5],
        ['activity:activity-3:1', 'engine:activity:run-1:activity-3:1', 4, 6],
      ],
    )
  })

  it('marks items replayed, current or pending at each step', () => {
    assert.deepEqual(at(0), { run: 'current', 'activity:activity-1:1': 'pending', 'activity:activity-2:1': 'pending', 'activity:activity-3:1': 'pending' })
    assert.deepEqual(at(1), { run: 'current', 'activity:activity-1:1': 'current', 'activity:activity-2:1': 'pending', 'activity:activity-3:1': 'pending' })
    assert.deepEqual(at(4), { run: 'current', 'activity:activity-1:1': 'replayed', 'activity:activity-2:1': 'current', 'activity:activity-3:1': 'current' })
    assert.deepEqual(at(7), { run: 'replayed', 'activity:activity-1:1': 'replayed', 'activity:activity-2:1': 'replayed', 'activity:activity-3:1': 'replayed' })
  })

  it('offers the start, each activity completion and the end as checkpoints', () => {
    assert.deepEqual(
      m.checkpoints.map((c) => [c.index, c.kind]),
      [
        [0, 'start'],
        [2, 'completion'],
        [5, 'completion'],
        [6, 'completion'],
        [7, 'end'],
      ],
    )
    assert.equal(m.firstFailure, undefined)
  })

  it('splits retried attempts, finds the first failure, and tracks timers, children and signals', () => {
    const r = buildReplay(
      h([
        ['workflow.started'],
        ['activity.scheduled', { command_id: 1, activity_key: 'activity-1', activity_type: 'flaky' }],
        ['activity.retry_scheduled', { command_id: 1, activity_key: 'activity-1', activity_type: 'flaky', failed_attempt: 1 }],
        ['activity.failed', { command_id: 1, activity_key: 'activity-1', activity_type: 'flaky', attempts: 2 }],
        ['timer.scheduled', { command_id: 2, timer_key: 'timer-2', duration_ms: 10 }],
        ['signal.received', { signal_name: 'go' }],
        ['timer.fired', { command_id: 2, timer_key: 'timer-2' }],
        ['child_workflow.scheduled', { command_id: 3, definition_name: 'child' }],
        ['child_workflow.failed', { command_id: 3 }],
        ['workflow.failed', { error_code: 'x' }],
      ]),
      'r',
    )
    assert.equal(r.firstFailure, 2)
    assert.deepEqual(
      r.items.map((it) => [it.key, it.start, it.end, it.outcome]),
      [
        ['run', 0, 9, 'failed'],
        ['activity:activity-1:1', 1, 2, 'failed, retry scheduled'],
        ['activity:activity-1:2', 2, 3, 'failed'],
        ['timer:2', 4, 6, 'fired'],
        ['signal:6', 5, 5, 'received'],
        ['child:3', 7, 8, 'failed'],
      ],
    )
    assert.deepEqual([r.items[2]!.label, r.items[2]!.detail], ['flaky', 'activity-1 attempt 2'])
    assert.deepEqual(r.checkpoints.map((c) => c.kind), ['start', 'failure', 'end'])
    assert.equal(replayState(r.items[4]!, 4), 'pending')
    assert.equal(replayState(r.items[4]!, 5), 'replayed')
  })
})
