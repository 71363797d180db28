import { defineActivity, defineWorkflow } from '../../src/engine/definitions.js'

// The workflows of the chaos suite, loaded by `continua worker --workflows` in each worker
// process. Every step kind is exercised: activities, a timer, a signal, a child workflow, and a
// child that fails (its parent catches the error). Results depend only on the input, so the
// driver knows each run's expected terminal state.

export const step = defineActivity('chaos-step', async (input: { i: number; step: string }) => {
  // A little real work, so kills land mid-activity too.
  await new Promise((r) => setTimeout(r, 20 + (input.i % 7) * 10))
  return `${input.step}-${input.i}`
})

export const chaosChild = defineWorkflow({ name: 'chaos-child', version: '1' }, async (ctx, input: { i: number; fail: boolean }) => {
  const got = await ctx.activity(step, { i: input.i, step: 'child' })
  await ctx.sleep(150)
  if (input.fail) throw Object.assign(new Error('child refuses'), { code: 'chaos_child_failed' })
  return got
})

export const chaosFlow = defineWorkflow({ name: 'chaos-flow', version: '1' }, async (ctx, input: { i: number }) => {
  const first = await ctx.activity(step, { i: input.i, step: 'first' })
  await ctx.sleep(200 + (input.i % 5) * 50)
  const signal = await ctx.signal<{ go: number }>('go', { timeout: '10m' })
  let child: string
  try {
    child = await ctx.child(chaosChild, { i: input.i, fail: input.i % 4 === 0 })
  } catch (err) {
    child = `caught ${(err as { code?: string }).code}`
  }
  const last = await ctx.activity(step, { i: input.i, step: 'last' })
  return [first, signal?.go ?? null, child, last]
})

/** What a chaos-flow run with this input must finish with. */
export function expectedResult(i: number): unknown[] {
  return [`first-${i}`, i, i % 4 === 0 ? 'caught chaos_child_failed' : `child-${i}`, `last-${i}`]
}
