// A workflow whose one activity runs outside the engine, in a remote worker (remote-worker.ts or
// sdks/python/examples/remote_worker.py). Run the engine for it with:
//
//   continua worker --workflows sdks/typescript/examples/workflows.ts
//
// then start runs from the CLI:  continua runs start remote-greeting --input '{"name":"Ada"}'
// In your own project: import { defineWorkflow } from 'continua'
import { defineWorkflow } from '../../../src/engine/definitions.js'

export const remoteGreeting = defineWorkflow({ name: 'remote-greeting', version: '1' }, async (ctx, input: { name: string }) => {
  const greeting = await ctx.activity<string>('compose-greeting', input, { target: 'remote', retry: { maxAttempts: 3, initialInterval: 500 } })
  return { greeting }
})
