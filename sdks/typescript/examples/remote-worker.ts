// A remote activity worker serving the `compose-greeting` activity of the remote-greeting
// workflow (examples/workflows.ts). It heartbeats each task at under a third of its lease and
// stops gracefully on Ctrl-C: no new claims, running tasks finish and are reported.
//
//   CONTINUA_API_KEY=ck_... CONTINUA_ENDPOINT=http://localhost:8080 npx tsx sdks/typescript/examples/remote-worker.ts
//
// In an application, import from '@continua/sdk'.
import { ActivityWorker, NonRetryableError } from '../src/index.js'

const worker = new ActivityWorker({
  concurrency: 4,
  leaseDuration: '30s',
  activities: {
    'compose-greeting': async (input: { name?: string }, ctx) => {
      if (!input?.name) throw new NonRetryableError('input.name is required', 'invalid_input')
      await new Promise((resolve) => setTimeout(resolve, 100)) // stand-in for real work
      if (ctx.signal.aborted) throw new Error('lease lost')
      return `Hello, ${input.name}! (served by ${ctx.workerId})`
    },
  },
})

console.log(`worker ${worker.workerId} serving compose-greeting; Ctrl-C to stop`)
await worker.run()
console.log(`stopped after ${worker.stats.completed} completed, ${worker.stats.failed} failed`)
