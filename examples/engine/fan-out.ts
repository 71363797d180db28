import { defineActivity, defineWorkflow } from 'continua'

// Fan-out of child workflows: each document is summarised by its own child run (its own trace,
// linked to the parent), all at once; a child's failure reaches the parent as ChildWorkflowFailure.

export const summarize = defineActivity('doc.summarize', async (input: { doc: string }) => `summary of ${input.doc}`)

export const summarizeOne = defineWorkflow({ name: 'summarize-one', version: '1' }, async (ctx, input: { doc: string }) => {
  return ctx.activity(summarize, input)
})

export const summarizeAll = defineWorkflow({ name: 'summarize-all', version: '1' }, async (ctx, input: { docs: string[] }) => {
  const results = await Promise.allSettled(input.docs.map((doc) => ctx.child(summarizeOne, { doc })))
  return results.map((r) => (r.status === 'fulfilled' ? r.value : `failed: ${(r.reason as { code?: string }).code}`))
})
