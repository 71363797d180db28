import { defineActivity, defineWorkflow } from 'continua'

// An agent loop: a (fake, deterministic) model decides which tool to call next until it has an
// answer. Every model call and tool call is an activity, so a crash mid-loop resumes where it was.

type Step = { tool: 'search' | 'calculator'; input: string } | { answer: string }

export const callModel = defineActivity('llm.call', async (input: { question: string; observations: string[] }): Promise<Step> => {
  // Stand-in for an LLM: search once, compute once, then answer.
  if (input.observations.length === 0) return { tool: 'search', input: input.question }
  if (input.observations.length === 1) return { tool: 'calculator', input: '6 * 7' }
  return { answer: `${input.question} → ${input.observations.at(-1)}` }
})

export const runTool = defineActivity('tool.run', async (input: { tool: string; input: string }) => {
  if (input.tool === 'calculator') return String(6 * 7)
  return `top result for "${input.input}"`
})

export const agentLoop = defineWorkflow({ name: 'agent-loop', version: '1' }, async (ctx, input: { question: string; maxTurns?: number }) => {
  const observations: string[] = []
  for (let turn = 1; turn <= (input.maxTurns ?? 8); turn++) {
    ctx.setStatus({ turn, observations: observations.length })
    const step = await ctx.activity(callModel, { question: input.question, observations }, { startToCloseTimeout: 60_000, retry: { maxAttempts: 3 } })
    if ('answer' in step) return { answer: step.answer, turns: turn }
    observations.push(await ctx.activity(runTool, step))
  }
  return { answer: null, turns: input.maxTurns ?? 8 }
})
