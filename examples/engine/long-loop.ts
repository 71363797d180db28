import { defineWorkflow } from 'continua'

// A long-lived loop that keeps its history short with continue-as-new: every `batch` ticks the
// run hands its state to a fresh run of the same instance. Unconsumed signals carry over.

export const longLoop = defineWorkflow({ name: 'long-loop', version: '1' }, async (ctx, input: { total: number; done?: number; batch?: number; every?: string }) => {
  let done = input.done ?? 0
  const batch = input.batch ?? 100
  for (let i = 0; i < batch && done < input.total; i++) {
    await ctx.sleep(input.every ?? '1s')
    done++
  }
  if (done < input.total) return ctx.continueAsNew({ ...input, done })
  return { done }
})
