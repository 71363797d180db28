import { currentTrace, type Continua } from '../../sdks/typescript/src/index.js'

// The scripted agent run of the SDK contract test. sdks/python/tests/scenario.py is its twin:
// change both together.

class ValueError extends Error {
  override name = 'ValueError'
}

export async function runScenario(c: Continua): Promise<void> {
  await c.withSession({ sessionId: 'contract-session', name: 'Contract chat', userId: 'u-1', metadata: { plan: 'pro' } }, () =>
    c.trace(
      'contract agent',
      async () => {
        currentTrace()!.setInput({ question: 'What is the weather?' })
        await c.span(
          'plan',
          async (plan) => {
            plan.decision('which tool?', 'weather', { alternatives: ['weather', 'search'], reasoning: 'asks about weather' })
            plan.stateChange('phase', 'start', 'tool', { namespace: 'agent' })
            plan.log('planning done', { payload: { n: 1 } })
            await c.span('llm call', async (llm) => {
              llm.setLlmResponse({
                model: 'gpt-4o-mini',
                provider: 'openai',
                messages: [{ role: 'user', content: 'What is the weather?' }],
                response: { role: 'assistant', content: 'Checking' },
                usage: { prompt: 12, completion: 5 },
                cost: '0.000123',
              })
              llm.setTokens({ cacheRead: 2 })
            })
            await c.span('tool', async (tool) => {
              tool.setToolCall({ toolName: 'get_weather', arguments: { city: 'Paris' }, result: { temp: 21 } })
              tool.wait('external', 'entered', { waitId: 'w-1' })
              tool.wait('external', 'resolved', { waitId: 'w-1', resolution: 'ok' })
              tool.effect('api_call', { idempotencyKey: 'wx-1', idempotent: true })
              tool.metric('latency', 120, { unit: 'ms' })
            })
          },
          { type: 'agent', input: { step: 1 } },
        )
        await c.span('answer', async (answer) => {
          answer.message('answered', { payload: { final: true } })
          answer.snapshotMarker('done', { markerKind: 'phase' })
          answer.custom({ score: 0.9 })
          answer.setOutput('It is 21 in Paris').setMetadata('attempt', 1)
        })
        await c
          .span('flaky', async (flaky) => {
            flaky.error('retrying', { payload: { attempt: 1 } })
            const err = new ValueError('bad value')
            flaky.exception(err)
            throw err
          })
          .catch(() => {})
        return { answer: 'It is 21 in Paris' }
      },
      { tags: ['contract'], metadata: { version: 1 } },
    ),
  )
  await c.span('contract orphan', async (s) => {
    s.log('alone')
  })
}
