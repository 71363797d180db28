import type { Continua } from '../client.js'
import type { SpanHandle } from '../tracing.js'
import { deepProxy, tapStream, type WrapOptions } from './openai.js'

// Wraps an Anthropic client so messages.create (streamed or not) and messages.stream become
// `llm` spans: model, system + messages, content blocks, all token buckets (cache reads and
// writes included) and tool_use blocks.

type AnyFn = (...args: any[]) => any

export function wrapAnthropic<T extends object>(client: T, continua: Continua, options: WrapOptions = {}): T {
  return deepProxy(client, [], (path, target, original) => {
    const key = path.join('.')
    if (key === 'messages.create') return (...args: any[]) => tracedCreate(continua, options, original.bind(target), args)
    if (key === 'messages.stream') return (...args: any[]) => tracedStreamHelper(continua, options, original.bind(target), args)
    return undefined
  })
}

function begin(span: SpanHandle, params: any): void {
  span.setType('llm').setModel(String(params.model ?? 'unknown'), 'anthropic')
  span.setInput({ messages: params.messages, ...(params.system ? { system: params.system } : {}), ...(params.tools ? { tools: params.tools } : {}) })
}

/** Records a complete Messages API message on the span. */
function record(span: SpanHandle, params: any, message: any, options: WrapOptions, streamed: boolean): void {
  const model = String(message?.model ?? params.model)
  const u = message?.usage
  if (u) {
    span.setTokens({ prompt: u.input_tokens, completion: u.output_tokens, cacheRead: u.cache_read_input_tokens || undefined, cacheWrite: u.cache_creation_input_tokens || undefined })
    const cost = options.cost?.(model, { prompt: u.input_tokens ?? 0, completion: u.output_tokens ?? 0 })
    if (cost !== undefined) span.setCost(cost)
  }
  const blocks: any[] = Array.isArray(message?.content) ? message.content : []
  const toolCalls = blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, arguments: b.input }))
  span.setLlmResponse({ model, provider: 'anthropic', response: { role: 'assistant', content: blocks }, toolCalls })
  for (const call of toolCalls) span.decision('tool to call', call.name, { payload: { tool_call_id: call.id, arguments: call.arguments } })
  if (message?.stop_reason) span.setMetadata('finish_reason', message.stop_reason)
  if (streamed) span.setMetadata('stream', true)
}

function tracedCreate(continua: Continua, options: WrapOptions, create: AnyFn, args: any[]): Promise<any> {
  const params = args[0] ?? {}
  const name = options.spanName ?? 'anthropic.messages'
  if (!params.stream) {
    return continua.span(
      name,
      async (span) => {
        begin(span, params)
        const res = await create(...args)
        record(span, params, res, options, false)
        return res
      },
      { type: 'llm' },
    )
  }
  // Streamed: the caller iterates the events; the span stays open until iteration ends.
  return new Promise((resolve, reject) => {
    continua
      .span(
        name,
        async (span) => {
          begin(span, params)
          const stream = await create(...args)
          const message: any = { content: [] as any[] }
          const partialJson = new Map<number, string>()
          let resolveDone!: () => void
          const done = new Promise<void>((r) => (resolveDone = r))
          resolve(
            tapStream(stream, async function* (source) {
              let failure: unknown
              try {
                for await (const event of source) {
                  accumulate(message, partialJson, event)
                  yield event
                }
              } catch (err) {
                failure = err
                throw err
              } finally {
                // Recorded and ended before the caller sees the end of the stream.
                for (const [index, json] of partialJson) {
                  try {
                    message.content[index].input = JSON.parse(json)
                  } catch {
                    message.content[index].input = json
                  }
                }
                record(span, params, message, options, true)
                span.end(failure)
                resolveDone()
              }
            }),
          )
          await done
        },
        { type: 'llm' },
      )
      .catch(reject)
  })
}

function accumulate(message: any, partialJson: Map<number, string>, event: any): void {
  switch (event?.type) {
    case 'message_start':
      Object.assign(message, event.message, { content: [] })
      break
    case 'content_block_start':
      message.content[event.index] = { ...event.content_block }
      break
    case 'content_block_delta':
      if (event.delta?.type === 'text_delta') message.content[event.index].text = (message.content[event.index].text ?? '') + event.delta.text
      if (event.delta?.type === 'input_json_delta') partialJson.set(event.index, (partialJson.get(event.index) ?? '') + event.delta.partial_json)
      break
    case 'message_delta':
      if (event.delta?.stop_reason) message.stop_reason = event.delta.stop_reason
      if (event.usage) message.usage = { ...message.usage, ...event.usage }
      break
  }
}

/** messages.stream() returns its MessageStream at once; the span ends with finalMessage(). */
function tracedStreamHelper(continua: Continua, options: WrapOptions, stream: AnyFn, args: any[]): any {
  const params = args[0] ?? {}
  let messageStream: any
  // The span callback runs synchronously up to its first await, so the stream exists on return.
  void continua
    .span(
      options.spanName ?? 'anthropic.messages',
      async (span) => {
        begin(span, params)
        messageStream = stream(...args)
        record(span, params, await messageStream.finalMessage(), options, true)
      },
      { type: 'llm' },
    )
    .catch(() => {}) // the caller sees the error on its own stream; the span is marked failed
  return messageStream ?? stream(...args)
}
