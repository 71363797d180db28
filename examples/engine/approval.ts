import { defineActivity, defineWorkflow } from 'continua'

// A human approval: wait for an `approve` signal for at most `timeout`, then act on it.
// Send it with: POST /v1/engine/runs/{id}/signal {"signal_name": "approve", "payload": {"approved": true, "by": "ada"}}

export const notify = defineActivity('approval.notify', async (input: { to: string; text: string }) => `notified ${input.to}: ${input.text}`)

export const approval = defineWorkflow({ name: 'approval', version: '1' }, async (ctx, input: { request: string; approver: string; timeout?: string }) => {
  await ctx.activity(notify, { to: input.approver, text: `please approve: ${input.request}` })
  ctx.setStatus({ waiting_for: input.approver })
  const decision = await ctx.signal<{ approved: boolean; by: string }>('approve', { timeout: input.timeout ?? '24h' })
  if (decision === null) return { outcome: 'expired' }
  return { outcome: decision.approved ? 'approved' : 'rejected', by: decision.by }
})
