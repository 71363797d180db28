// An agent loop traced end to end: every turn, model call, tool call and decision shows up in
// Continua as it happens (spans are sent when they start and again when they end).
//
//   CONTINUA_API_KEY=ck_... CONTINUA_ENDPOINT=http://localhost:8080 npx tsx sdks/typescript/examples/agent-loop.ts "What is 6 times 7?"
//
// In an application, import from '@continua/sdk'. The "model" here is a deterministic stand-in;
// with a real client, wrap it instead: `const openai = wrapOpenAI(new OpenAI(), continua)`.
import { Continua } from '../src/index.js'

type Step = { tool: 'search' | 'calculator'; input: string } | { answer: string }

const continua = new Continua({ ingestMode: 'sync' })

function fakeModel(question: string, observations: string[]): { step: Step; usage: { prompt: number; completion: number } } {
  const usage = { prompt: 40 + 25 * observations.length, completion: 12 }
  if (observations.length === 0) return { step: { tool: 'search', input: question }, usage }
  if (observations.length === 1) return { step: { tool: 'calculator', input: '6 * 7' }, usage }
  return { step: { answer: `${question} → ${observations.at(-1)}` }, usage }
}

async function runTool(tool: string, input: string): Promise<string> {
  return continua.span(tool, async (span) => {
    const result = tool === 'calculator' ? String(6 * 7) : `top result for "${input}"`
    span.setToolCall({ toolName: tool, arguments: { input }, result, hasExternalSideEffect: tool === 'search' })
    return result
  })
}

async function agent(question: string) {
  return continua.trace(
    'research agent',
    async (trace) => {
      trace.setInput({ question })
      const observations: string[] = []
      for (let turn = 1; turn <= 5; turn++) {
        const step = await continua.span(
          `turn ${turn}`,
          async (turnSpan) => {
            const { step, usage } = await continua.span('model', async (llm) => {
              const out = fakeModel(question, observations)
              llm.setLlmResponse({ model: 'gpt-4o-mini', provider: 'openai', messages: [{ role: 'user', content: question }, ...observations.map((o) => ({ role: 'tool', content: o }))], response: out.step, usage: out.usage })
              return out
            })
            turnSpan.metric('prompt_tokens', usage.prompt)
            if ('answer' in step) {
              turnSpan.decision('next action', 'answer', { alternatives: ['search', 'calculator', 'answer'], reasoning: 'enough observations' })
              return step
            }
            turnSpan.decision('next action', step.tool, { alternatives: ['search', 'calculator', 'answer'] })
            const observation = await runTool(step.tool, step.input)
            turnSpan.stateChange('observations', observations.length, observations.length + 1, { namespace: 'memory' })
            observations.push(observation)
            return step
          },
          { type: 'agent' },
        )
        if ('answer' in step) return { answer: step.answer, turns: turn }
      }
      return { answer: null, turns: 5 }
    },
    { tags: ['example'] },
  )
}

const result = await continua.withSession({ sessionId: `example-${Date.now()}`, name: 'Agent loop example' }, () => agent(process.argv[2] ?? 'What is 6 times 7?'))
const batchIds = await continua.shutdown()
console.log(JSON.stringify({ ...result, batchIds }))
