import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// OTLP/JSON requests in the attribute shapes real instrumentations emit: the GenAI semconv
// (current and the older ≤1.36 names OpenLLMetry still sends), OpenInference's flattened lists,
// the deprecated message events, and the Vercel AI SDK's ai.* namespace.

const here = path.dirname(fileURLToPath(import.meta.url))
export const readFixture = (name: string) => fs.readFileSync(path.join(here, 'fixtures', name), 'utf8')

type Attr = string | number | boolean | Attr[] | { [k: string]: Attr }

export interface SpanSpec {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind?: number
  start: bigint
  end?: bigint
  attributes?: Record<string, Attr>
  events?: Array<{ name: string; time: bigint; attributes?: Record<string, Attr> }>
  status?: { code: number; message?: string }
}

export function anyValue(v: Attr): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v }
  if (typeof v === 'boolean') return { boolValue: v }
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } }
  return { kvlistValue: { values: keyValues(v) } }
}

export const keyValues = (attrs: Record<string, Attr>) => Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }))

/** An OTLP/JSON ExportTraceServiceRequest (ids hex, times as decimal strings). */
export function otlpJson(spans: SpanSpec[], resource: Record<string, Attr> = { 'service.name': 'fixture-service' }): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues(resource) },
        scopeSpans: [
          {
            scope: { name: 'fixture-scope', version: '1.2.3' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind ?? 1,
              startTimeUnixNano: s.start.toString(),
              endTimeUnixNano: (s.end ?? 0n).toString(),
              attributes: keyValues(s.attributes ?? {}),
              events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: e.time.toString(), attributes: keyValues(e.attributes ?? {}) })),
              status: s.status ?? { code: 0 },
            })),
          },
        ],
      },
    ],
  }
}

/** The same request shaped for protobufjs fromObject: ids as bytes. */
export function toProtobufObject(json: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(json) as any
  const bytes = (hex: string | undefined) => (hex ? Buffer.from(hex, 'hex') : undefined)
  for (const rs of copy.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        s.traceId = bytes(s.traceId)
        s.spanId = bytes(s.spanId)
        if (s.parentSpanId) s.parentSpanId = bytes(s.parentSpanId)
        for (const l of s.links ?? []) {
          l.traceId = bytes(l.traceId)
          l.spanId = bytes(l.spanId)
        }
      }
    }
  }
  return copy
}

const T0 = 1_767_225_600_000_000_000n // 2026-01-01T00:00:00Z
const ms = (n: number) => BigInt(n) * 1_000_000n

/** Current GenAI semconv: invoke_agent → chat → execute_tool. */
export const GENAI_NEW_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
export const genaiNew: SpanSpec[] = [
  {
    traceId: GENAI_NEW_TRACE,
    spanId: '00f067aa0ba902b7',
    name: 'invoke_agent weather-bot',
    start: T0,
    end: T0 + ms(900),
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'weather-bot',
      'gen_ai.provider.name': 'openai',
      'gen_ai.conversation.id': 'conv-42',
      'user.id': 'user-7',
    },
  },
  {
    traceId: GENAI_NEW_TRACE,
    spanId: '00f067aa0ba902b8',
    parentSpanId: '00f067aa0ba902b7',
    name: 'chat gpt-4o',
    kind: 3,
    start: T0 + ms(10),
    end: T0 + ms(400),
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.time_to_first_chunk': 0.35,
      'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }]),
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.usage.reasoning.output_tokens': 12,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a weather bot.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } }], finish_reason: 'tool_call' },
      ]),
    },
  },
  {
    traceId: GENAI_NEW_TRACE,
    spanId: '00f067aa0ba902b9',
    parentSpanId: '00f067aa0ba902b7',
    name: 'execute_tool get_weather',
    start: T0 + ms(410),
    end: T0 + ms(600),
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.arguments': '{"location":"Paris"}',
      'gen_ai.tool.call.result': 'rainy, 57°F',
    },
  },
]

/** OpenLLMetry's older shape: gen_ai.system, indexed prompt/completion, prompt/completion tokens. */
export const GENAI_OLD_TRACE = '5bf92f3577b34da6a3ce929d0e0e4736'
export const genaiOld: SpanSpec[] = [
  {
    traceId: GENAI_OLD_TRACE,
    spanId: '10f067aa0ba902b7',
    name: 'plan.workflow',
    start: T0,
    end: T0 + ms(500),
    attributes: {
      'traceloop.span.kind': 'workflow',
      'traceloop.entity.name': 'plan',
      'traceloop.entity.input': '{"topic":"tides"}',
      'traceloop.entity.output': '{"plan":"read tables"}',
      'traceloop.association.properties.session_id': 'sess-old',
      'traceloop.association.properties.user_id': 'user-old',
    },
  },
  {
    traceId: GENAI_OLD_TRACE,
    spanId: '10f067aa0ba902b8',
    parentSpanId: '10f067aa0ba902b7',
    name: 'anthropic.chat',
    kind: 3,
    start: T0 + ms(5),
    end: T0 + ms(450),
    attributes: {
      'gen_ai.system': 'Anthropic',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief.',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': 'When is high tide?',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Let me check.',
      'gen_ai.completion.0.finish_reason': 'tool_use',
      'gen_ai.completion.0.tool_calls.0.name': 'tide_table',
      'gen_ai.completion.0.tool_calls.0.arguments': '{"port":"Brest"}',
      'gen_ai.usage.prompt_tokens': 50,
      'gen_ai.usage.completion_tokens': 20,
      'gen_ai.usage.cache_read_input_tokens': 10,
      'gen_ai.usage.cache_creation_input_tokens': 5,
      'llm.usage.total_tokens': 70,
    },
  },
]

/** OpenInference (Phoenix): flattened llm.input_messages / output_messages and token counts. */
export const OPENINFERENCE_TRACE = '6bf92f3577b34da6a3ce929d0e0e4736'
export const openInference: SpanSpec[] = [
  {
    traceId: OPENINFERENCE_TRACE,
    spanId: '20f067aa0ba902b7',
    name: 'ChatCompletion',
    start: T0,
    end: T0 + ms(300),
    attributes: {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.invocation_parameters': '{"temperature":0}',
      'llm.tools.0.tool.json_schema': '{"name":"lookup","parameters":{"type":"object"}}',
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'You look things up.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': 'Find x',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'lookup',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"q":"x"}',
      'llm.token_count.prompt': 40,
      'llm.token_count.completion': 8,
      'llm.token_count.total': 48,
      'llm.token_count.prompt_details.cache_read': 16,
      'input.value': 'raw request text that the messages outrank',
      'output.value': 'raw response text that the messages outrank',
      'session.id': 'sess-oi',
      'user.id': 'user-oi',
    },
  },
  {
    traceId: OPENINFERENCE_TRACE,
    spanId: '20f067aa0ba902b8',
    parentSpanId: '20f067aa0ba902b7',
    name: 'lookup',
    start: T0 + ms(310),
    end: T0 + ms(330),
    attributes: {
      'openinference.span.kind': 'TOOL',
      'tool.name': 'lookup',
      'tool.parameters': '{"q":"x"}',
      'input.value': '{"q":"x"}',
      'input.mime_type': 'application/json',
      'output.value': 'found x',
    },
  },
]

/** Content as the deprecated span events, plus a failure with an exception event. */
export const EVENTS_TRACE = '7bf92f3577b34da6a3ce929d0e0e4736'
export const eventCarriers: SpanSpec[] = [
  {
    traceId: EVENTS_TRACE,
    spanId: '30f067aa0ba902b7',
    name: 'chat gpt-4.1',
    kind: 3,
    start: T0,
    end: T0 + ms(200),
    status: { code: 2, message: 'deadline exceeded' },
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4.1',
      'error.type': 'timeout',
    },
    events: [
      { name: 'gen_ai.system.message', time: T0 + ms(1), attributes: { 'gen_ai.system': 'openai', content: 'Be terse.' } },
      { name: 'gen_ai.user.message', time: T0 + ms(2), attributes: { 'gen_ai.system': 'openai', content: 'Summarise.' } },
      {
        name: 'gen_ai.choice',
        time: T0 + ms(150),
        attributes: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Done.' } },
      },
      {
        name: 'exception',
        time: T0 + ms(199),
        attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'deadline exceeded', 'exception.stacktrace': 'TimeoutError: deadline exceeded\n  at call' },
      },
      { name: 'retrying', time: T0 + ms(100), attributes: { attempt: 2 } },
      {
        name: 'gen_ai.evaluation.result',
        time: T0 + ms(201),
        attributes: { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.8, 'gen_ai.evaluation.score.label': 'good' },
      },
    ],
  },
]

/** Vercel AI SDK: generateText → doGenerate → toolCall, ai.* attributes. */
export const VERCEL_TRACE = '8bf92f3577b34da6a3ce929d0e0e4736'
export const vercel: SpanSpec[] = [
  {
    traceId: VERCEL_TRACE,
    spanId: '40f067aa0ba902b7',
    name: 'ai.generateText',
    start: T0,
    end: T0 + ms(800),
    attributes: {
      'ai.operationId': 'ai.generateText',
      'operation.name': 'ai.generateText',
      'ai.model.id': 'gpt-4o',
      'ai.model.provider': 'openai.chat',
      'ai.prompt': '{"prompt":"Weather in Oslo?"}',
      'ai.response.text': 'Cold.',
      'ai.telemetry.metadata.sessionId': 'sess-vercel',
      'ai.telemetry.metadata.userId': 'user-vercel',
      'ai.usage.promptTokens': 30,
      'ai.usage.completionTokens': 9,
    },
  },
  {
    traceId: VERCEL_TRACE,
    spanId: '40f067aa0ba902b8',
    parentSpanId: '40f067aa0ba902b7',
    name: 'ai.generateText.doGenerate',
    kind: 3,
    start: T0 + ms(5),
    end: T0 + ms(300),
    attributes: {
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.id': 'gpt-4o',
      'ai.model.provider': 'openai.chat',
      'gen_ai.system': 'openai.chat',
      'ai.prompt.messages': JSON.stringify([{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }]),
      'ai.response.toolCalls': JSON.stringify([{ toolCallType: 'function', toolCallId: 'tc1', toolName: 'weather', args: '{"city":"Oslo"}' }]),
      'ai.usage.promptTokens': 20,
      'ai.usage.completionTokens': 6,
    },
  },
  {
    traceId: VERCEL_TRACE,
    spanId: '40f067aa0ba902b9',
    parentSpanId: '40f067aa0ba902b7',
    name: 'ai.toolCall',
    start: T0 + ms(310),
    end: T0 + ms(400),
    attributes: {
      'ai.operationId': 'ai.toolCall',
      'ai.toolCall.name': 'weather',
      'ai.toolCall.id': 'tc1',
      'ai.toolCall.args': '{"city":"Oslo"}',
      'ai.toolCall.result': '{"temp":-3}',
    },
  },
]
