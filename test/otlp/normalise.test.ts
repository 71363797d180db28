import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { IngestSpan } from '../../src/contract/ingest.js'
import { decodeTraceRequest } from '../../src/otlp/decode.js'
import { decodeBody } from '../../src/otlp/export.js'
import { normaliseSpans } from '../../src/otlp/normalise.js'
import { eventCarriers, genaiNew, genaiOld, openInference, otlpJson, readFixture, vercel, type SpanSpec } from './fixtures.js'

function normalise(spans: SpanSpec[], resource?: Record<string, string>) {
  return normaliseSpans(decodeTraceRequest(otlpJson(spans, resource)))
}
const bySpanId = (spans: IngestSpan[] | undefined, id: string) => spans!.find((s) => s.span_id === id)!
const meta = (s: IngestSpan) => s.metadata as Record<string, any>

describe('GenAI normalisation', () => {
  it('maps the current semconv: kinds, model, provider, every token bucket, messages with system instructions, tools, session and user', () => {
    const { request, rejectedSpans } = normalise(genaiNew, { 'service.name': 'bot', 'deployment.environment.name': 'staging', 'service.version': '1.4.0' })
    assert.equal(rejectedSpans, 0)
    const agent = bySpanId(request.spans, '00f067aa0ba902b7')
    const chat = bySpanId(request.spans, '00f067aa0ba902b8')
    const tool = bySpanId(request.spans, '00f067aa0ba902b9')
    assert.equal(agent.type, 'agent')
    assert.deepEqual(meta(agent).agent, { name: 'weather-bot' })
    assert.equal(chat.type, 'llm')
    assert.equal(chat.model, 'gpt-4o-2024-08-06', 'the response model outranks the request model')
    assert.equal(chat.provider, 'openai')
    assert.equal(chat.prompt_tokens, 120)
    assert.equal(chat.completion_tokens, 30)
    assert.equal(chat.cache_read_tokens, 100)
    assert.equal(chat.reasoning_tokens, 12)
    assert.equal(chat.total_cost, undefined, 'no cost attribute: the write path prices it')
    assert.deepEqual(chat.input, [
      { role: 'system', parts: [{ type: 'text', content: 'You are a weather bot.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    ])
    assert.equal((chat.output as any[])[0].parts[0].name, 'get_weather')
    assert.deepEqual(meta(chat).otel_mapping, { type: 'gen_ai.operation.name', input: 'gen_ai.input.messages', output: 'gen_ai.output.messages' })
    assert.deepEqual(meta(chat).request, { temperature: 0.2 })
    assert.equal(meta(chat).time_to_first_chunk_s, 0.35)
    assert.deepEqual(meta(chat).tool_definitions, [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }])
    assert.deepEqual(meta(chat).finish_reasons, ['tool_calls'])
    assert.deepEqual(meta(chat).tool_call_ids, ['call_1'], 'links the call to the execute_tool span with gen_ai.tool.call.id call_1')
    assert.equal(tool.type, 'tool')
    assert.deepEqual(tool.input, { location: 'Paris' })
    assert.equal(tool.output, 'rainy, 57°F')
    assert.deepEqual(meta(tool).tool, { name: 'get_weather', call_id: 'call_1', type: 'function' })
    assert.equal(tool.status, 'completed')
    assert.equal(chat.start_time, '2026-01-01T00:00:00.010000000Z')

    const trace = request.traces!.find((t) => t.trace_id === agent.trace_id)!
    assert.equal(trace.name, 'invoke_agent weather-bot')
    assert.equal(trace.session_id, 'conv-42')
    assert.equal(trace.user_id, 'user-7')
    assert.equal(trace.environment, 'staging')
    assert.equal(trace.release, '1.4.0')
    assert.deepEqual(request.sessions, [{ session_id: 'conv-42', user_id: 'user-7' }])
    const otel = agent.otel as Record<string, any>
    assert.equal(otel.kind, 'internal')
    assert.equal(otel.attributes['gen_ai.agent.name'], 'weather-bot')
    assert.equal(otel.resource.attributes['service.name'], 'bot')
    assert.equal(otel.scope.name, 'fixture-scope')
  })

  it('maps the older shape: gen_ai.system, indexed prompt/completion, prompt/completion tokens, Traceloop kinds and association properties', () => {
    const { request } = normalise(genaiOld)
    const workflow = bySpanId(request.spans, '10f067aa0ba902b7')
    const chat = bySpanId(request.spans, '10f067aa0ba902b8')
    assert.equal(workflow.type, 'chain')
    assert.deepEqual(workflow.input, { topic: 'tides' })
    assert.deepEqual(workflow.output, { plan: 'read tables' })
    assert.equal(chat.type, 'llm')
    assert.equal(meta(chat).otel_mapping.type, 'llm.request.type')
    assert.equal(chat.provider, 'anthropic')
    assert.equal(chat.model, 'claude-3-5-sonnet-20241022')
    assert.deepEqual(chat.input, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'When is high tide?' },
    ])
    assert.deepEqual(chat.output, [
      { role: 'assistant', content: 'Let me check.', finish_reason: 'tool_use', tool_calls: [{ name: 'tide_table', arguments: '{"port":"Brest"}' }] },
    ])
    assert.equal(chat.prompt_tokens, 50)
    assert.equal(chat.completion_tokens, 20)
    assert.equal(chat.total_tokens, 70)
    assert.equal(chat.cache_read_tokens, 10)
    assert.equal(chat.cache_write_tokens, 5)
    const trace = request.traces!.find((t) => t.trace_id === workflow.trace_id)!
    assert.equal(trace.session_id, 'sess-old')
    assert.equal(trace.user_id, 'user-old')
  })

  it('maps OpenInference flattened messages, tool calls and token counts; messages outrank input.value', () => {
    const { request } = normalise(openInference)
    const llm = bySpanId(request.spans, '20f067aa0ba902b7')
    const tool = bySpanId(request.spans, '20f067aa0ba902b8')
    assert.equal(llm.type, 'llm')
    assert.equal(llm.model, 'gpt-4o-mini')
    assert.equal(llm.provider, 'openai')
    assert.deepEqual(llm.input, [
      { role: 'system', content: 'You look things up.' },
      { role: 'user', content: 'Find x' },
    ])
    assert.deepEqual(llm.output, [{ role: 'assistant', tool_calls: [{ function: { name: 'lookup', arguments: '{"q":"x"}' } }] }])
    assert.equal(llm.prompt_tokens, 40)
    assert.equal(llm.completion_tokens, 8)
    assert.equal(llm.total_tokens, 48)
    assert.equal(llm.cache_read_tokens, 16)
    assert.deepEqual(meta(llm).request, { temperature: 0 })
    assert.deepEqual(meta(llm).tool_definitions, [{ name: 'lookup', parameters: { type: 'object' } }])
    assert.equal(tool.type, 'tool')
    assert.deepEqual(tool.input, { q: 'x' })
    assert.equal(tool.output, 'found x')
    assert.equal(meta(tool).tool.name, 'lookup')
    assert.equal(request.traces![0]!.session_id, 'sess-oi')
    assert.equal(request.traces![0]!.user_id, 'user-oi')
  })

  it('reads messages from span events, fails the span on status 2 / error.type, and turns events into Continua events', () => {
    const { request } = normalise(eventCarriers)
    const chat = request.spans![0]!
    assert.equal(chat.status, 'failed')
    assert.equal(chat.level, 'error')
    assert.equal(chat.status_message, 'deadline exceeded')
    assert.equal(meta(chat).error_type, 'timeout')
    assert.deepEqual(chat.input, [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Summarise.' },
    ])
    assert.deepEqual(chat.output, [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Done.' } }])
    const events = request.events!
    assert.deepEqual(
      events.map((e) => e.event_type),
      ['message', 'message', 'message', 'exception', 'custom', 'metric'],
    )
    const exception = events[3]!
    assert.equal(exception.level, 'error')
    assert.equal(exception.message, 'deadline exceeded')
    assert.equal((exception.payload as any).exception_type, 'TimeoutError')
    assert.match((exception.payload as any).traceback, /at call/)
    assert.equal(exception.idempotency_key, `otel:${chat.trace_id}:${chat.span_id}:3`)
    assert.equal(events[4]!.message, 'retrying')
    assert.deepEqual((events[4]!.payload as any).attributes, { attempt: 2 })
    assert.equal(events[5]!.message, 'relevance: 0.8 (good)')
  })

  it('reads the inference details event and gen_ai.prompt.N.message.* lists', () => {
    const base = { traceId: 'cbf92f3577b34da6a3ce929d0e0e4736', start: 1_767_225_600_000_000_000n, attributes: { 'gen_ai.operation.name': 'chat' } }
    const { request } = normalise([
      {
        ...base,
        spanId: 'c0f067aa0ba902b7',
        name: 'details',
        events: [
          {
            name: 'gen_ai.client.inference.operation.details',
            time: 1_767_225_600_100_000_000n,
            attributes: {
              'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]),
              'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }] }]),
            },
          },
        ],
      },
      {
        ...base,
        spanId: 'c0f067aa0ba902b8',
        name: 'wrapped',
        attributes: { ...base.attributes, 'gen_ai.prompt.0.message.role': 'user', 'gen_ai.prompt.0.message.content': 'yo' },
      },
    ])
    const details = bySpanId(request.spans, 'c0f067aa0ba902b7')
    assert.deepEqual(details.input, [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }])
    assert.deepEqual(details.output, [{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }] }])
    assert.equal(meta(details).otel_mapping.input, 'events:gen_ai.client.inference.operation.details')
    assert.equal(request.events![0]!.event_type, 'message')
    assert.deepEqual(bySpanId(request.spans, 'c0f067aa0ba902b8').input, [{ role: 'user', content: 'yo' }])
  })

  it('maps the Vercel AI SDK ai.* attributes', () => {
    const { request } = normalise(vercel)
    const root = bySpanId(request.spans, '40f067aa0ba902b7')
    const gen = bySpanId(request.spans, '40f067aa0ba902b8')
    const call = bySpanId(request.spans, '40f067aa0ba902b9')
    assert.equal(root.type, 'chain')
    assert.equal(root.prompt_tokens, undefined, "the wrapper's usage repeats its child's and stays out of the columns")
    assert.deepEqual(meta(root).usage, { prompt_tokens: 30, completion_tokens: 9 })
    assert.deepEqual(root.input, { prompt: 'Weather in Oslo?' })
    assert.deepEqual(root.output, [{ role: 'assistant', content: 'Cold.' }])
    assert.equal(gen.type, 'llm')
    assert.equal(gen.provider, 'openai', "Vercel's gen_ai.system 'openai.chat' is reduced to the provider")
    assert.equal(gen.model, 'gpt-4o')
    assert.equal(gen.prompt_tokens, 20)
    assert.equal(gen.completion_tokens, 6)
    assert.deepEqual(gen.input, [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }])
    assert.equal((gen.output as any[])[0].tool_calls[0].toolName, 'weather')
    assert.deepEqual(meta(gen).tool_call_ids, ['tc1'])
    assert.equal(call.type, 'tool')
    assert.deepEqual(call.input, { city: 'Oslo' })
    assert.deepEqual(call.output, { temp: -3 })
    const trace = request.traces!.find((t) => t.trace_id === root.trace_id)!
    assert.equal(trace.session_id, 'sess-vercel')
    assert.equal(trace.user_id, 'user-vercel')
  })

  it('keeps dotted semconv provider names whole', () => {
    const { request } = normalise([{ traceId: 'bbf92f3577b34da6a3ce929d0e0e4736', spanId: 'b0f067aa0ba902b7', name: 'chat', start: 1n, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'aws.bedrock' } }])
    assert.equal(request.spans![0]!.provider, 'aws.bedrock')
  })

  it('lets continua.* attributes override session, user and type', () => {
    const { request } = normalise([
      {
        traceId: 'abf92f3577b34da6a3ce929d0e0e4736',
        spanId: 'a0f067aa0ba902b7',
        name: 'step',
        start: 1_767_225_600_000_000_000n,
        attributes: { 'session.id': 'generic', 'continua.session.id': 'mine', 'user.id': 'u1', 'continua.user.id': 'u2', 'continua.span.type': 'guardrail', 'gen_ai.operation.name': 'chat', 'continua.cost.total': '0.0042' },
      },
    ])
    const span = request.spans![0]!
    assert.equal(span.type, 'guardrail')
    assert.equal(span.total_cost, undefined, 'cost columns are for inference spans')
    assert.equal(meta(span).cost, '0.0042')
    assert.equal(span.status, 'running', 'no end time: still running')
    assert.equal(span.end_time, null)
    assert.equal(request.traces![0]!.session_id, 'mine')
    assert.equal(request.traces![0]!.user_id, 'u2')
  })
})

describe('Logfire pending spans', () => {
  const TRACE = 'fcf92f3577b34da6a3ce929d0e0e4736'
  const twin: SpanSpec = {
    traceId: TRACE,
    spanId: 'f0f067aa0ba90299',
    parentSpanId: 'f0f067aa0ba90201',
    name: 'agent run',
    start: 1_767_225_600_000_000_000n,
    end: 1_767_225_600_000_000_000n,
    attributes: { 'logfire.span_type': 'pending_span', 'logfire.pending_parent_id': 'f0f067aa0ba90200' },
  }
  const real: SpanSpec = { traceId: TRACE, spanId: 'f0f067aa0ba90201', parentSpanId: 'f0f067aa0ba90200', name: 'agent run', start: twin.start, end: twin.start + 5_000_000_000n }

  it('shows the real span as running from its pending twin, and hides the twin', () => {
    const { request } = normalise([twin])
    assert.equal(request.spans!.length, 1)
    const span = request.spans![0]!
    assert.equal(span.span_id, 'f0f067aa0ba90201')
    assert.equal(span.parent_span_id, 'f0f067aa0ba90200')
    assert.equal(span.status, 'running')
    assert.equal(span.end_time, null)
  })

  it('lets the real span win when both arrive together, in either order', () => {
    for (const order of [[twin, real], [real, twin]]) {
      const { request } = normalise(order)
      assert.equal(request.spans!.length, 1)
      assert.equal(request.spans![0]!.status, 'completed')
    }
  })
})

describe('batch shaping', () => {
  it('clamps an end before the start and flags it', () => {
    const { request } = normalise([{ traceId: 'ebf92f3577b34da6a3ce929d0e0e4736', spanId: 'e0f067aa0ba902b7', name: 'backwards', start: 2_000_000_000n, end: 1_000_000_000n }])
    const span = request.spans![0]!
    assert.equal(span.end_time, span.start_time)
    assert.equal((span.otel as any).end_clamped_to_start, true)
    assert.equal((span.otel as any).end_time_unix_nano, '1000000000')
  })

  it('rejects only the bad span and counts it', () => {
    const spans: SpanSpec[] = [
      ...genaiNew,
      { traceId: 'not-hex', spanId: '00f067aa0ba902ff', name: 'broken', start: 1n },
      { traceId: 'abf92f3577b34da6a3ce929d0e0e4736', spanId: '12', name: 'short id', start: 1n },
    ]
    const { request, rejectedSpans, problems } = normalise(spans)
    assert.equal(rejectedSpans, 2)
    assert.equal(request.spans!.length, 3)
    assert.equal(problems.length, 2)
    assert.match(problems.join('\n'), /trace_id/)
    assert.match(problems.join('\n'), /span_id must be 8 bytes/)
  })

  it('derives the batch key from the content, so a retry gets the same key and a change a new one', () => {
    const a = normalise(genaiNew).request.batch_key
    const b = normalise(genaiNew).request.batch_key
    const c = normalise(genaiNew.map((s, i) => (i === 0 ? { ...s, name: 'renamed' } : s))).request.batch_key
    assert.equal(a, b)
    assert.notEqual(a, c)
    assert.match(a, /^otlp:[0-9a-f]{64}$/)
  })

  it('keeps nanosecond precision in the RFC 3339 times and the raw envelope', () => {
    const spans = decodeTraceRequest(decodeBody(Buffer.from(readFixture('browser-lenient.json')), 'json'))
    const { request } = normaliseSpans(spans)
    const span = request.spans![0]!
    assert.equal(span.start_time, '2018-12-13T14:51:00.123456789Z')
    assert.equal(span.end_time, '2018-12-13T14:51:00.987654321Z')
    assert.equal((span.otel as any).start_time_unix_nano, '1544712660123456789')
    assert.equal(span.status, 'failed')
    assert.equal((span.otel as any).links[0].trace_id, '0af7651916cd43dd8448eb211c80319c')
    assert.equal(request.events![0]!.event_ts, '2018-12-13T14:51:00.500000001Z')
  })
})
