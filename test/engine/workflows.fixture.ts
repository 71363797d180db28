import { defineActivity, defineWorkflow } from '../../src/engine/definitions.js'

// Workflows shared by the engine's integration tests (and loaded by `continua worker` in the
// crash tests, so keep it free of test-only imports).

export const greet = defineActivity('greet', async (input: { name: string }) => `hello ${input.name}`)

export const three = defineWorkflow({ name: 'three-steps', version: '1' }, async (ctx, input: { name: string }) => {
  const a = await ctx.activity(greet, { name: input.name })
  const [b, c] = await Promise.all([ctx.activity(greet, { name: 'b' }), ctx.activity(greet, { name: 'c' })])
  return [a, b, c]
})

export const sleeper = defineWorkflow({ name: 'sleeper', version: '1' }, async (ctx, input: { ms: number }) => {
  await ctx.sleep(input.ms)
  return 'woke'
})

export const approval = defineWorkflow({ name: 'approval', version: '1' }, async (ctx, input: { timeout: string }) => {
  ctx.setStatus({ stage: 'waiting for approval' })
  const decision = await ctx.signal<{ ok: boolean }>('approve', { timeout: input.timeout })
  return decision === null ? 'timed out' : decision.ok ? 'approved' : 'rejected'
})

export const cancellable = defineWorkflow({ name: 'cancellable', version: '1' }, async (ctx) => {
  try {
    await ctx.sleep('1h')
    return 'slept'
  } catch (err) {
    await ctx.activity(greet, { name: 'cleanup' })
    throw err
  }
})

export const child = defineWorkflow({ name: 'child', version: '1' }, async (ctx, input: { fail?: boolean; sleep?: string }) => {
  if (input.sleep) await ctx.sleep(input.sleep)
  if (input.fail) throw Object.assign(new Error('child says no'), { code: 'child_refused' })
  return 'child done'
})

export const parent = defineWorkflow({ name: 'parent', version: '1' }, async (ctx, input: { fail?: boolean; sleep?: string }) => {
  try {
    return await ctx.child(child, input)
  } catch (err) {
    return `caught ${(err as { code: string }).code}`
  }
})

export const counter = defineWorkflow({ name: 'counter', version: '1' }, async (ctx, input: { left: number; got: string[] }) => {
  const s = await ctx.signal<string>('tick')
  const got = [...input.got, s!]
  if (input.left > 1) return ctx.continueAsNew({ left: input.left - 1, got })
  return got
})

let slowCalls = 0
export const slow = defineActivity('slow', async (input: { ms: number }, actx) => {
  slowCalls++
  await new Promise((resolve, reject) => {
    const t = setTimeout(resolve, input.ms)
    actx.signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))))
  })
  return `slept ${input.ms} on attempt ${actx.attempt}`
})
export const slowCallCount = () => slowCalls

export const slowFlow = defineWorkflow({ name: 'slow-flow', version: '1' }, async (ctx, input: { ms: number }) => {
  return ctx.activity(slow, input)
})

export const remoteFlow = defineWorkflow({ name: 'remote-flow', version: '1' }, async (ctx, input: { name: string }) => {
  return ctx.activity<string>('compose-greeting', input, { target: 'remote', retry: { maxAttempts: 2, initialInterval: 10 } })
})
