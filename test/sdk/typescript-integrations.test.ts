import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Anthropic from '@anthropic-ai/sdk'
import { createOpenAI } from '@ai-sdk/openai'
import { generateText, jsonSchema, streamText, tool, wrapLanguageModel } from 'ai'
import OpenAI from 'openai'
import { createProject } from '../../src/projects.js'
import { Continua, continuaMiddleware, wrapAnthropic, wrapOpenAI } from '../../sdks/typescript/src/index.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startFakeLlm, type FakeLlm } from './fake-llm.js'

// The OpenAI, Anthropic and Vercel AI SDK helpers: the real client libraries talk to local fakes
// of those APIs, and the spans they produce are read back from the real server's database.

const quiet = { debug() {}, warn() {}, error() {} }

describe('TypeScript SDK: LLM client helpers', () => {
  let t: TestDatabase
  let server: TestServer
  let fake: FakeLlm
  let continua: Continua

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
    fake = await startFakeLlm()
    const { api_key } = await createProject(t.db, 'sdk-llm')
    continua = new Continua({ apiKey: api_key, endpoint: server.url, ingestMode: 'sync', flushInterval: 0, flushOnExit: false, logger: quiet })
  })
  after(async () => {
    await continua?.shutdown()
    await fake?.close()
    await server?.close()
    await t?.drop()
  })

  const spansOf = async (traceName: string) =>
    (await t.pool.query(`select s.* from spans s join traces t on t.id = s.trace_id where t.name = $1 order by s.sequence`, [traceName])).rows
  const eventsOf = async (traceName: string) =>
    (await t.pool.query(`select e.* from span_events e join traces t on t.id = e.trace_id where t.name = $1 order by e.sequence`, [traceName])).rows

  it('OpenAI chat completions: model, messages, all token buckets, tool calls, server-priced cost', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1`, maxRetries: 0 }), continua)
    const res = await continua.trace('openai agent', async () =>
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      }),
    )
    assert.equal(res.choices[0]!.message.tool_calls![0]!.id, 'call_1', 'the caller gets the real response')
    await continua.flush()
    const [span] = await spansOf('openai agent')
    assert.equal(span.type, 'llm')
    assert.equal(span.model, 'gpt-4o-mini-2024-07-18')
    assert.equal(span.provider, 'openai')
    assert.deepEqual(span.input.messages, [{ role: 'user', content: 'Weather in Paris?' }])
    assert.deepEqual([span.prompt_tokens, span.completion_tokens, span.total_tokens, span.cache_read_tokens, span.reasoning_tokens].map(Number), [42, 7, 49, 10, 2])
    assert.deepEqual(span.metadata.tool_calls, [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }])
    assert.equal(span.cost_source, 'price_table')
    assert.ok(Number(span.total_cost) > 0)
    const events = await eventsOf('openai agent')
    assert.deepEqual(events.map((e) => e.event_type), ['effect', 'decision'])
    assert.equal(events[0].payload.effect_kind, 'model_call')
    assert.equal(events[1].payload.chosen, 'get_weather')
  })

  it('leaves the rest of a wrapped client working, private state included', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1`, maxRetries: 0 }), continua)
    assert.equal(openai.buildURL('/models', null), `${fake.url}/v1/models`)
    assert.equal(openai.apiKey, 'sk-fake')
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-fake', baseURL: fake.url, maxRetries: 0 }), continua)
    assert.equal(anthropic.buildURL('/v1/messages', null), `${fake.url}/v1/messages`)
  })

  it('OpenAI streaming: the caller iterates the chunks; the span gets the text and usage once done', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1`, maxRetries: 0 }), continua)
    let text = ''
    await continua.trace('openai stream', async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
      assert.ok(stream.controller instanceof AbortController, 'still the SDK stream object')
      const [mine] = stream.tee()
      for await (const chunk of mine) text += chunk.choices[0]?.delta?.content ?? ''
    })
    assert.equal(text, 'Sunny in Paris.')
    await continua.flush()
    const [span] = await spansOf('openai stream')
    assert.equal(span.status, 'completed')
    assert.equal(span.output.content, 'Sunny in Paris.')
    assert.deepEqual([Number(span.prompt_tokens), Number(span.completion_tokens)], [30, 4])
    assert.equal(span.metadata.stream, true)
  })

  it('OpenAI Responses API: input, output text, token buckets, function calls', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1`, maxRetries: 0 }), continua)
    const res = await continua.trace('openai responses', async () => openai.responses.create({ model: 'gpt-4o', input: 'Weather in Oslo?', instructions: 'Be brief.' }))
    assert.equal(res.id, 'resp_fake')
    await continua.flush()
    const [span] = await spansOf('openai responses')
    assert.deepEqual([span.type, span.model, span.provider], ['llm', 'gpt-4o', 'openai'])
    assert.deepEqual(span.input, { messages: 'Weather in Oslo?', instructions: 'Be brief.' })
    assert.equal(span.output, 'Looking it up.')
    assert.deepEqual([span.prompt_tokens, span.completion_tokens, span.cache_read_tokens, span.reasoning_tokens].map(Number), [21, 8, 4, 3])
    assert.deepEqual(span.metadata.tool_calls, [{ id: 'call_9', name: 'get_weather', arguments: { city: 'Oslo' } }])
  })

  it('Anthropic messages: system + messages, cache read/write tokens, tool_use blocks', async () => {
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-fake', baseURL: fake.url, maxRetries: 0 }), continua)
    const res = await continua.trace('anthropic agent', async () =>
      anthropic.messages.create({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 100,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      }),
    )
    assert.equal(res.stop_reason, 'tool_use')
    await continua.flush()
    const [span] = await spansOf('anthropic agent')
    assert.deepEqual([span.type, span.model, span.provider], ['llm', 'claude-3-5-haiku-latest', 'anthropic'])
    assert.equal(span.input.system, 'You are terse.')
    assert.deepEqual([span.prompt_tokens, span.completion_tokens, span.cache_read_tokens, span.cache_write_tokens].map(Number), [100, 20, 50, 25])
    assert.deepEqual(span.metadata.tool_calls, [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } }])
    assert.equal(span.metadata.finish_reason, 'tool_use')
    assert.equal(span.cost_source, 'price_table')
  })

  it('Anthropic streaming, both stream: true and messages.stream(): text, tool input, usage', async () => {
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-fake', baseURL: fake.url, maxRetries: 0 }), continua)
    const params = { model: 'claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Weather in Rome?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object' as const } }] }
    let types: string[] = []
    await continua.trace('anthropic stream', async () => {
      const stream = await anthropic.messages.create({ ...params, stream: true })
      for await (const event of stream) types.push(event.type)
    })
    assert.equal(types.at(-1), 'message_stop', 'the caller saw every event')
    let final: any
    await continua.trace('anthropic stream helper', async () => {
      final = await anthropic.messages.stream(params).finalMessage()
    })
    assert.deepEqual(final.content[1].input, { city: 'Rome' })
    await continua.flush()
    for (const name of ['anthropic stream', 'anthropic stream helper']) {
      const [span] = await spansOf(name)
      assert.equal(span.status, 'completed', name)
      assert.deepEqual([Number(span.prompt_tokens), Number(span.completion_tokens), Number(span.cache_read_tokens)], [60, 15, 30], name)
      assert.equal(span.output.content[0].text, 'Checking the weather.', name)
      assert.deepEqual(span.metadata.tool_calls, [{ id: 'toolu_s', name: 'get_weather', arguments: { city: 'Rome' } }], name)
      assert.equal(span.metadata.stream, true)
    }
  })

  it('Vercel AI SDK middleware: generateText with a tool through the OpenAI provider', async () => {
    const provider = createOpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1` })
    const model = wrapLanguageModel({ model: provider.chat('gpt-4o-mini'), middleware: continuaMiddleware(continua) })
    let toolRan = ''
    await continua.trace('vercel agent', async () =>
      continua.span('agent step', async () =>
        generateText({
          model,
          prompt: 'Weather in Paris?',
          tools: {
            get_weather: tool({
              description: 'weather by city',
              inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
              execute: async ({ city }) => ((toolRan = city), 'sunny'),
            }),
          },
        }),
      ),
    )
    assert.equal(toolRan, 'Paris')
    await continua.flush()
    const spans = await spansOf('vercel agent')
    const llm = spans.find((s) => s.type === 'llm')!
    const parent = spans.find((s) => s.name === 'agent step')!
    assert.equal(llm.parent_span_id, parent.span_id, 'the model call nests under the current span')
    assert.equal(llm.model, 'gpt-4o-mini')
    assert.match(llm.provider, /openai/)
    assert.deepEqual([Number(llm.prompt_tokens), Number(llm.completion_tokens)], [42, 7])
    assert.equal(llm.metadata.tool_calls[0].name, 'get_weather')
    assert.deepEqual(llm.metadata.tool_calls[0].arguments, { city: 'Paris' })
    assert.equal(fake.requests.filter((r) => r.path === '/v1/chat/completions').length, 3)
    assert.equal(fake.requests.filter((r) => r.path === '/v1/responses').length, 1)
  })

  it('Vercel AI SDK middleware: streamText is recorded when the stream has been read', async () => {
    const provider = createOpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1` })
    const model = wrapLanguageModel({ model: provider.chat('gpt-4o'), middleware: continuaMiddleware(continua) })
    let text = ''
    await continua.trace('vercel stream', async () => {
      const result = streamText({ model, prompt: 'Weather?' })
      text = await result.text
    })
    assert.equal(text, 'Sunny in Paris.')
    await continua.flush()
    const [span] = await spansOf('vercel stream')
    assert.deepEqual([span.type, span.model, span.status], ['llm', 'gpt-4o', 'completed'])
    assert.equal(span.output.content, 'Sunny in Paris.')
    assert.deepEqual([Number(span.prompt_tokens), Number(span.completion_tokens)], [30, 4])
    assert.equal(span.metadata.finish_reason, 'stop')
  })
})
