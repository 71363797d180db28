import { first, firstString, maybeJson, unflattenList } from './attributes.js'
import type { Attributes, OtlpEvent } from './model.js'

// Input and output of a span from whichever carrier its instrumentation used. The carriers are
// tried in a fixed order (docs/opentelemetry.md lists it) and the one used is reported, so a
// mapping can be audited and re-derived later from the raw attributes kept in spans.otel.

export interface Extracted {
  value: unknown
  source: string
}

type Carrier = (attrs: Attributes, events: OtlpEvent[]) => unknown

const ROLE_EVENTS: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
}

/** An event's body: its attributes, with JSON-string fields (content, tool_calls…) parsed. */
function eventBody(attrs: Attributes): Record<string, unknown> {
  const packed = maybeJson(attrs['gen_ai.event.content'] ?? undefined)
  const body: Record<string, unknown> = packed && typeof packed === 'object' && !Array.isArray(packed) ? { ...(packed as object) } : {}
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'gen_ai.event.content' || key === 'gen_ai.system' || key === 'gen_ai.provider.name') continue
    body[key] = maybeJson(value)
  }
  return body
}

/**
 * A flattened message list. OpenInference (and some gen_ai.prompt.N emitters) nest each message
 * under `message` and each tool call under `tool_call`; both wrappers are removed.
 */
function flattenedMessages(attrs: Attributes, prefix: string): unknown[] | undefined {
  const list = unflattenList(attrs, prefix)
  if (!list.length) return undefined
  return list.map((entry) => {
    const m = (entry as { message?: Record<string, unknown> }).message ?? (entry as Record<string, unknown>)
    const out: Record<string, unknown> = { ...m }
    if (Array.isArray(m.tool_calls)) out.tool_calls = m.tool_calls.map((t) => (t as { tool_call?: unknown }).tool_call ?? t)
    if (Array.isArray(m.contents)) out.contents = m.contents.map((c) => (c as { message_content?: unknown }).message_content ?? c)
    return out
  })
}

/** The opt-in inference details event carries the same message attributes as the span. */
function detailsEvent(events: OtlpEvent[], key: string): unknown {
  const event = events.find((e) => e.name === 'gen_ai.client.inference.operation.details' && e.attributes[key] != null)
  return event ? ioValue(event.attributes, key) : undefined
}

function ioValue(attrs: Attributes, key: string): unknown {
  const value = attrs[key]
  if (value === undefined || value === null || value === '') return undefined
  return maybeJson(value)
}

const nonEmptyList = (v: unknown[] | undefined) => (v && v.length ? v : undefined)

const INPUT_CARRIERS: Array<[string, Carrier]> = [
  [
    'gen_ai.input.messages',
    (a) => {
      const messages = maybeJson(a['gen_ai.input.messages'] ?? undefined)
      if (messages === undefined) return undefined
      const system = maybeJson(a['gen_ai.system_instructions'] ?? undefined)
      if (system === undefined || !Array.isArray(messages)) return messages
      return [{ role: 'system', parts: Array.isArray(system) ? system : [{ type: 'text', content: system }] }, ...messages]
    },
  ],
  ['events:gen_ai.client.inference.operation.details', (_a, events) => detailsEvent(events, 'gen_ai.input.messages')],
  [
    'events:gen_ai.*.message',
    (_a, events) =>
      nonEmptyList(events.filter((e) => ROLE_EVENTS[e.name]).map((e) => ({ role: ROLE_EVENTS[e.name], ...eventBody(e.attributes) }))),
  ],
  ['gen_ai.prompt.N', (a) => flattenedMessages(a, 'gen_ai.prompt.')],
  ['llm.input_messages.N', (a) => flattenedMessages(a, 'llm.input_messages.')],
  ['ai.prompt.messages', (a) => ioValue(a, 'ai.prompt.messages')],
  ['ai.prompt', (a) => ioValue(a, 'ai.prompt')],
  ['input.value', (a) => ioValue(a, 'input.value')],
  ['traceloop.entity.input', (a) => ioValue(a, 'traceloop.entity.input')],
  ['gen_ai.prompt', (a) => ioValue(a, 'gen_ai.prompt')],
]

function vercelOutput(a: Attributes): unknown {
  const text = firstString(a, ['ai.response.text'])
  const toolCalls = maybeJson(a['ai.response.toolCalls'] ?? undefined)
  const object = maybeJson(a['ai.response.object'] ?? undefined)
  if (text === undefined && toolCalls === undefined && object === undefined) return undefined
  if (object !== undefined && text === undefined && toolCalls === undefined) return object
  const message: Record<string, unknown> = { role: 'assistant' }
  if (text !== undefined) message.content = text
  if (toolCalls !== undefined) message.tool_calls = toolCalls
  return [message]
}

const OUTPUT_CARRIERS: Array<[string, Carrier]> = [
  ['gen_ai.output.messages', (a) => ioValue(a, 'gen_ai.output.messages')],
  [
    'events:gen_ai.client.inference.operation.details',
    (_a, events) => detailsEvent(events, 'gen_ai.output.messages'),
  ],
  [
    'events:gen_ai.choice',
    (_a, events) => nonEmptyList(events.filter((e) => e.name === 'gen_ai.choice').map((e) => eventBody(e.attributes))),
  ],
  ['gen_ai.completion.N', (a) => flattenedMessages(a, 'gen_ai.completion.')],
  ['llm.output_messages.N', (a) => flattenedMessages(a, 'llm.output_messages.')],
  ['ai.response', vercelOutput],
  ['output.value', (a) => ioValue(a, 'output.value')],
  ['traceloop.entity.output', (a) => ioValue(a, 'traceloop.entity.output')],
  ['gen_ai.completion', (a) => ioValue(a, 'gen_ai.completion')],
]

// A tool span's input and output are its arguments and result.
const TOOL_INPUT = ['gen_ai.tool.call.arguments', 'ai.toolCall.args', 'ai.toolCall.input', 'tool.parameters', 'tool_arguments']
const TOOL_OUTPUT = ['gen_ai.tool.call.result', 'ai.toolCall.result', 'ai.toolCall.output']

function extract(carriers: Array<[string, Carrier]>, attrs: Attributes, events: OtlpEvent[]): Extracted | undefined {
  for (const [source, carrier] of carriers) {
    const value = carrier(attrs, events)
    if (value !== undefined) return { value, source }
  }
  return undefined
}

function toolValue(attrs: Attributes, keys: string[]): Extracted | undefined {
  const hit = first(attrs, keys)
  return hit ? { value: maybeJson(hit.value), source: hit.key } : undefined
}

export function extractInput(attrs: Attributes, events: OtlpEvent[], isTool: boolean): Extracted | undefined {
  return (isTool ? toolValue(attrs, TOOL_INPUT) : undefined) ?? extract(INPUT_CARRIERS, attrs, events) ?? toolValue(attrs, TOOL_INPUT)
}

export function extractOutput(attrs: Attributes, events: OtlpEvent[], isTool: boolean): Extracted | undefined {
  return (isTool ? toolValue(attrs, TOOL_OUTPUT) : undefined) ?? extract(OUTPUT_CARRIERS, attrs, events) ?? toolValue(attrs, TOOL_OUTPUT)
}

/** Span events that carry messages; they feed input/output and are not repeated as timeline events. */
export function isMessageEvent(name: string): boolean {
  return name in ROLE_EVENTS || name === 'gen_ai.choice' || name === 'gen_ai.client.inference.operation.details'
}

/**
 * Tool-call ids an LLM's output asked for, whatever the message shape (semconv parts, OpenAI-style
 * tool_calls, OpenInference tool_call.id, Vercel toolCallId), so a reader can link the call to
 * the execute_tool span with the same gen_ai.tool.call.id.
 */
export function toolCallIds(output: unknown): string[] {
  const ids = new Set<string>()
  const visit = (node: unknown, depth: number) => {
    if (depth > 6 || node === null || typeof node !== 'object') return
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1)
      return
    }
    const o = node as Record<string, unknown>
    const id = o.type === 'tool_call' ? o.id : (o.toolCallId ?? (o.function !== undefined || o.name !== undefined ? o.id : undefined))
    if (typeof id === 'string' && id) ids.add(id)
    for (const value of Object.values(o)) visit(value, depth + 1)
  }
  visit(output, 0)
  return [...ids]
}
