import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defineActivity, defineWorkflow } from '../../src/engine/definitions.js'
import { ActivityFailure, CancelledError, ChildWorkflowFailure } from '../../src/engine/errors.js'
import { TestEnvironment } from '../../src/engine/testing.js'

// Deterministic unit tests of the executor and replay, on the in-memory environment.

const echo = defineActivity('echo', async (input: { v: string }) => input.v)
const types = (env: TestEnvironment, runId: string) => env.get(runId).history.map((e) => e.type)

describe('executor: concurrency is reproduced on replay', () => {
  const fanIn = defineWorkflow({ name: 'fan-in', version: '1' }, async (ctx) => {
    const order: string[] = []
    const track = (p: Promise<string>) => p.then((v) => (order.push(v), v))
    await Promise.all([track(ctx.activity(echo, { v: 'a' })), track(ctx.activity(echo, { v: 'b' })), track(ctx.activity(echo, { v: 'c' }))])
    const after = await ctx.activity(echo, { v: order.join('') })
    return { order, after }
  })

  for (const alwaysReplay of [false, true]) {
    it(`three activities completing out of order keep their recorded order (alwaysReplay=${alwaysReplay})`, async () => {
      const env = new TestEnvironment({ definitions: [echo, fanIn], activities: 'manual', alwaysReplay })
      const run = env.start(fanIn, {})
      await env.runUntilIdle()
      assert.deepEqual(types(env, run.id).filter((t) => t === 'activity.scheduled').length, 3)
      env.completeActivity(run.id, 3, 'c')
      env.completeActivity(run.id, 1, 'a')
      await env.runUntilIdle()
      env.completeActivity(run.id, 2, 'b')
      await env.runUntilIdle()
      env.completeActivity(run.id, 4, 'cab')
      await env.runUntilIdle()
      assert.equal(run.status, 'completed')
      assert.deepEqual(run.result, { order: ['c', 'a', 'b'], after: 'cab' })
      assert.equal(await env.replay(run.id), null, 'a fresh replay of the finished history does not diverge')
    })
  }

  it('a race between a timer and a signal picks the recorded winner, both ways', async () => {
    const wf = defineWorkflow({ name: 'race', version: '1' }, async (ctx) => {
      const winner = await Promise.race([ctx.sleep('10s').then(() => 'timer'), ctx.signal<string>('go').then((v) => `signal:${v}`)])
      const second = await ctx.activity(echo, { v: winner })
      return second
    })
    const env = new TestEnvironment({ definitions: [echo, wf], alwaysReplay: true })
    const bySignal = env.start(wf, {})
    const byTimer = env.start(wf, {})
    await env.runUntilIdle()
    env.signal(bySignal.id, 'go', 'now')
    await env.runUntilIdle()
    await env.skipTime(10_000)
    assert.equal(bySignal.result, 'signal:now')
    assert.equal(byTimer.result, 'timer')
    assert.equal(await env.replay(bySignal.id), null)
    assert.equal(await env.replay(byTimer.id), null)
  })
})

describe('executor: signals, timers, cancel', () => {
  it('signal with timeout resolves null when the timer fires first; signals buffer FIFO per name', async () => {
    const wf = defineWorkflow({ name: 'approval', version: '1' }, async (ctx) => {
      const first = await ctx.signal<string>('approve', { timeout: '1m' })
      const a = await ctx.signal<number>('n')
      const b = await ctx.signal<number>('n')
      return { first, a, b }
    })
    const env = new TestEnvironment({ definitions: [wf] })
    const run = env.start(wf, {})
    await env.runUntilIdle()
    await env.skipTime(59_000)
    assert.equal(run.status, 'waiting')
    await env.skipTime(1_000)
    env.signal(run.id, 'n', 1)
    env.signal(run.id, 'n', 2)
    await env.runUntilIdle()
    assert.deepEqual(run.result, { first: null, a: 1, b: 2 })
  })

  it('cancel throws CancelledError into the pending await; cleanup may still run activities', async () => {
    const wf = defineWorkflow({ name: 'cancellable', version: '1' }, async (ctx) => {
      try {
        await ctx.sleep('1h')
        return 'slept'
      } catch (err) {
        assert.ok(err instanceof CancelledError)
        await ctx.activity(echo, { v: 'cleanup' })
        throw err
      }
    })
    const env = new TestEnvironment({ definitions: [echo, wf], alwaysReplay: true })
    const run = env.start(wf, {})
    await env.runUntilIdle()
    env.cancel(run.id)
    await env.runUntilIdle()
    assert.equal(run.status, 'cancelled')
    const t = types(env, run.id)
    assert.ok(t.indexOf('activity.completed') > t.indexOf('cancel.requested'))
    assert.equal(await env.replay(run.id), null)
  })

  it('continue-as-new carries unconsumed signals to the next run', async () => {
    const wf = defineWorkflow({ name: 'looper', version: '1' }, async (ctx, input: { n: number; seen: string[] }) => {
      const s = await ctx.signal<string>('item')
      const seen = [...input.seen, s!]
      if (input.n > 0) return ctx.continueAsNew({ n: input.n - 1, seen })
      return seen
    })
    const env = new TestEnvironment({ definitions: [wf] })
    const run = env.start(wf, { n: 2, seen: [] })
    env.signal(run.id, 'item', 'x')
    env.signal(run.id, 'item', 'y')
    env.signal(run.id, 'item', 'z')
    await env.runUntilIdle()
    assert.equal(run.status, 'continued_as_new')
    const second = env.get(run.continuedTo!)
    const third = env.get(second.continuedTo!)
    assert.equal(third.status, 'completed')
    assert.deepEqual(third.result, ['x', 'y', 'z'])
  })
})

describe('executor: failures, children, determinism', () => {
  it('a retried activity reaches the workflow only as its final outcome, as a typed ActivityFailure', async () => {
    let calls = 0
    const flaky = defineActivity('flaky', async () => {
      calls++
      throw Object.assign(new Error('boom'), { code: 'tool_down' })
    })
    const wf = defineWorkflow({ name: 'uses-flaky', version: '1' }, async (ctx) => {
      try {
        await ctx.activity(flaky, {}, { retry: { maxAttempts: 3, initialInterval: 100 } })
        return 'ok'
      } catch (err) {
        return err instanceof ActivityFailure ? `${err.code}:${err.attempts}` : 'other'
      }
    })
    const env = new TestEnvironment({ definitions: [flaky, wf] })
    const run = env.start(wf, {})
    await env.runToCompletion()
    assert.equal(run.result, 'tool_down:3')
    assert.equal(calls, 3)
    assert.equal(types(env, run.id).filter((t) => t === 'activity.retry_scheduled').length, 2)
  })

  it("a child's failure reaches the parent as ChildWorkflowFailure", async () => {
    const child = defineWorkflow({ name: 'child', version: '1' }, async () => {
      throw Object.assign(new Error('nope'), { code: 'child_broke' })
    })
    const parent = defineWorkflow({ name: 'parent', version: '1' }, async (ctx) => {
      try {
        await ctx.child(child, {})
      } catch (err) {
        return err instanceof ChildWorkflowFailure ? `${err.status}:${err.code}` : 'other'
      }
    })
    const env = new TestEnvironment({ definitions: [child, parent] })
    const run = env.start(parent, {})
    await env.runUntilIdle()
    assert.equal(run.result, 'failed:child_broke')
  })

  it('changing a workflow without patched() diverges on replay; with patched() it does not', async () => {
    const v1 = defineWorkflow({ name: 'evolving', version: '1' }, async (ctx) => {
      await ctx.activity(echo, { v: 'one' })
      return ctx.activity(echo, { v: 'two' })
    })
    const env = new TestEnvironment({ definitions: [echo, v1] })
    const run = env.start(v1, {})
    await env.runUntilIdle()
    const changed = defineWorkflow({ name: 'evolving', version: '1' }, async (ctx) => {
      await ctx.activity(echo, { v: 'one' })
      await ctx.activity(echo, { v: 'inserted' })
      return ctx.activity(echo, { v: 'two' })
    })
    const divergence = await env.replay(run.id, changed)
    assert.ok(divergence, 'expected a divergence')
    assert.match(divergence.detail, /input differs/)
    const patched = defineWorkflow({ name: 'evolving', version: '1' }, async (ctx) => {
      await ctx.activity(echo, { v: 'one' })
      if (ctx.patched('insert-step')) await ctx.activity(echo, { v: 'inserted' })
      return ctx.activity(echo, { v: 'two' })
    })
    assert.equal(await env.replay(run.id, patched), null)
  })

  it('Date.now and Math.random inside workflow code quarantine the run', async () => {
    const bad = defineWorkflow({ name: 'bad', version: '1' }, async () => {
      return Date.now()
    })
    const env = new TestEnvironment({ definitions: [bad] })
    const run = env.start(bad, {})
    await env.runUntilIdle()
    assert.equal(run.status, 'quarantined')
    assert.match(run.divergence!.actual, /Date\.now/)
    assert.ok(typeof Date.now() === 'number', 'outside workflow code Date.now still works')
  })

  it('now, random, uuid and sideEffect are stable across replays', async () => {
    let effects = 0
    const wf = defineWorkflow({ name: 'det', version: '1' }, async (ctx) => {
      const r = ctx.random()
      const id = ctx.uuid()
      const se = await ctx.sideEffect('pick', () => ++effects)
      await ctx.sleep(5000)
      return { r, id, se, t: ctx.now().toISOString() }
    })
    const env = new TestEnvironment({ definitions: [wf], alwaysReplay: true, startTime: Date.UTC(2026, 0, 1) })
    const run = env.start(wf, {})
    await env.runToCompletion()
    const result = run.result as { r: number; id: string; se: number; t: string }
    assert.equal(effects, 1, 'the side effect ran once despite replays')
    assert.equal(result.se, 1)
    assert.equal(result.t, '2026-01-01T00:00:05.000Z')
    assert.match(result.id, /^[0-9a-f-]{36}$/)
  })
})
