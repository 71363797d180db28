import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defineActivity, defineWorkflow } from '../../src/engine/definitions.js'
import type { WorkflowContext } from '../../src/engine/context.js'
import { TestEnvironment } from '../../src/engine/testing.js'

// Property test: random workflow shapes (sequences, fan-out, races, signals, children) run once
// with live executions and once replaying from the first event on every activation. Results and
// histories must be identical, and a fresh replay of each finished history must not diverge.

type Step =
  | { kind: 'act'; v: number }
  | { kind: 'all'; vs: number[] }
  | { kind: 'race'; ms: number }
  | { kind: 'sleep'; ms: number }
  | { kind: 'child'; v: number }
  | { kind: 'effect'; v: number }

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomShape(r: () => number): Step[] {
  const steps: Step[] = []
  const n = 2 + Math.floor(r() * 6)
  for (let i = 0; i < n; i++) {
    const pick = Math.floor(r() * 6)
    const v = Math.floor(r() * 100)
    if (pick === 0) steps.push({ kind: 'act', v })
    else if (pick === 1) steps.push({ kind: 'all', vs: Array.from({ length: 1 + Math.floor(r() * 4) }, (_, j) => v + j) })
    else if (pick === 2) steps.push({ kind: 'race', ms: 1000 + Math.floor(r() * 5000) })
    else if (pick === 3) steps.push({ kind: 'sleep', ms: 100 + Math.floor(r() * 2000) })
    else if (pick === 4) steps.push({ kind: 'child', v })
    else steps.push({ kind: 'effect', v })
  }
  return steps
}

const double = defineActivity('double', async (v: number) => v * 2)
const child = defineWorkflow({ name: 'prop-child', version: '1' }, async (ctx, v: number) => (await ctx.activity(double, v)) + 1)

async function interpret(ctx: WorkflowContext, steps: Step[]): Promise<unknown[]> {
  const out: unknown[] = []
  for (const s of steps) {
    if (s.kind === 'act') out.push(await ctx.activity(double, s.v))
    else if (s.kind === 'all') out.push(await Promise.all(s.vs.map((v) => ctx.activity(double, v))))
    else if (s.kind === 'race') out.push(await Promise.race([ctx.sleep(s.ms).then(() => 'timer'), ctx.signal<string>('poke').then((p) => `signal:${p}`)]))
    else if (s.kind === 'sleep') out.push(await ctx.sleep(s.ms).then(() => ctx.now().toISOString()))
    else if (s.kind === 'child') out.push(await ctx.child(child, s.v))
    else out.push(await ctx.sideEffect(`e${s.v}`, () => s.v * 3))
  }
  return out
}

const shaped = defineWorkflow({ name: 'prop-shape', version: '1' }, async (ctx, steps: Step[]) => interpret(ctx, steps))

async function runShape(steps: Step[], pokes: number[], alwaysReplay: boolean) {
  const env = new TestEnvironment({ definitions: [double, child, shaped], alwaysReplay })
  const run = env.start(shaped, steps)
  await env.runUntilIdle()
  // Signals arrive at generated virtual times; each poke lands between timer firings.
  for (const at of pokes) {
    await env.skipTime(at)
    if (run.status === 'waiting') env.signal(run.id, 'poke', `p${at}`)
    await env.runUntilIdle()
  }
  await env.runToCompletion()
  return { env, run }
}

describe('property: live execution and full replay agree on random workflow shapes', () => {
  it('200 random shapes', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed)
      const steps = randomShape(r)
      const pokes = Array.from({ length: Math.floor(r() * 3) }, () => 200 + Math.floor(r() * 3000))
      const live = await runShape(steps, pokes, false)
      const replayed = await runShape(steps, pokes, true)
      const context = `seed ${seed}: ${JSON.stringify(steps)} pokes ${JSON.stringify(pokes)}`
      assert.equal(live.run.status, 'completed', context)
      assert.deepEqual(replayed.run.result, live.run.result, context)
      assert.deepEqual(
        replayed.run.history.map((e) => [e.type, e.payload]),
        live.run.history.map((e) => [e.type, e.payload]),
        context,
      )
      assert.equal(await live.env.replay(live.run.id), null, context)
    }
  })
})
