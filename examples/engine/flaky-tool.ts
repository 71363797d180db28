import { defineActivity, defineWorkflow, NonRetryableError } from 'continua'

// A flaky tool behind a retry policy. Each attempt is its own span in the run's trace, so the
// failed attempts stay visible. Activities run at least once: use actx.idempotencyKey for side effects.

export const flakyTool = defineActivity('tool.flaky', async (input: { failFirst: number; fatal?: boolean }, actx) => {
  if (input.fatal) throw new NonRetryableError('bad request: the tool refuses this input', 'bad_request')
  if (actx.attempt <= input.failFirst) throw Object.assign(new Error(`upstream 503 (attempt ${actx.attempt})`), { code: 'upstream_unavailable' })
  return { ok: true, attempt: actx.attempt, key: actx.idempotencyKey }
})

export const flakyFlow = defineWorkflow({ name: 'flaky-tool', version: '1' }, async (ctx, input: { failFirst: number; fatal?: boolean }) => {
  try {
    return await ctx.activity(flakyTool, input, { retry: { maxAttempts: 5, initialInterval: 100, backoffCoefficient: 2, jitter: 0.2, nonRetryableErrors: ['bad_request'] } })
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code }
  }
})
