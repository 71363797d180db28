import { defineWorkflow } from '../../src/engine/definitions.js'

// Workflows the SDK tests drive from outside: through the engine REST API, and with their remote
// activities served by SDK workers. Loaded by `continua worker --workflows` too, so it imports
// nothing test-only.

export const remoteGreeting = defineWorkflow({ name: 'sdk-remote-greeting', version: '1' }, async (ctx, input: { name: string }) => {
  return ctx.activity<string>('compose-greeting', input, { target: 'remote', retry: { maxAttempts: 2, initialInterval: 10 } })
})

export const approval = defineWorkflow({ name: 'sdk-approval', version: '1' }, async (ctx, input: { timeout: string }) => {
  const decision = await ctx.signal<{ ok: boolean }>('approve', { timeout: input.timeout })
  return decision === null ? 'timed out' : decision.ok ? 'approved' : 'rejected'
})

export const counter = defineWorkflow({ name: 'sdk-counter', version: '1' }, async (ctx, input: { left: number; got: string[] }) => {
  const tick = await ctx.signal<string>('tick')
  const got = [...input.got, tick!]
  if (input.left > 1) return ctx.continueAsNew({ left: input.left - 1, got })
  return got
})

export const cancellable = defineWorkflow({ name: 'sdk-cancellable', version: '1' }, async (ctx) => {
  await ctx.sleep('1h')
  return 'slept'
})
