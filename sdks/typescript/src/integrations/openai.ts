import type { Continua } from '../client.js'
import type { SpanHandle } from '../tracing.js'

// Wraps an OpenAI client so every chat.completions.create (streaming or not) and
// responses.create call becomes an `llm` span: model, messages, output, tokens, tool calls.
// Cost is left to the server's price table unless `cost` computes one.

export interface WrapOptions {
  /** Span name; default `openai.chat.completions`. */
  spanName?: string
  /** Computes a USD cost from the model and usage, when the server's price table is not wanted. */
  cost?: (model: string, usage: { prompt: number; completion: number }) => number | string | undefined
}

type AnyFn = (...args: any[]) => any

/** Returns a proxy of `client`; the original client is left untouched. */
export function wrapOpenAI<T extends object>(client: T, continua: Continua, options: WrapOptions = {}): T {
  return deepProxy(client, [], (path, target, original) => {
    const key = path.join('.')
    if (key === 'chat.completions.create') return (...args: any[]) => tracedChat(continua, options, original.bind(target), args)
    if (key === 'responses.create') return (...args: any[]) => tracedResponses(continua, options, original.bind(target), args)
    return undefined
  })
}

/** Proxies nested namespaces (client.chat.completions) and swaps in the functions `pick` returns. */
export function deepProxy<T extends object>(obj: T, path: string[], pick: (path: string[], target: any, original: AnyFn) => AnyFn | undefined): T {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      const value: any = Reflect.get(target, prop, receiver)
      if (typeof prop !== 'string') return value
      const next = [...path, prop]
      // Other methods run on the real object: SDK clients keep private state that a proxy cannot reach.
      if (typeof value === 'function') return pick(next, target, value) ?? value.bind(target)
      if (value && typeof value === 'object' && path.length < 3) return deepProxy(value, next, pick)
      return value
    },
  })
}

interface ChatUsage {
  prompt_tokens?: number
  completion_tokens?: number
  total_tokens?: number
  prompt_tokens_details?: { cached_tokens?: number }
  completion_tokens_details?: { reasoning_tokens?: number }
}

function recordUsage(span: SpanHandle, model: string, usage: ChatUsage | undefined, options: WrapOptions): void {
  if (!usage) return
  span.setTokens({
    prompt: usage.prompt_tokens,
    completion: usage.completion_tokens,
    total: usage.total_tokens,
    cacheRead: usage.prompt_tokens_details?.cached_tokens || undefined,
    reasoning: usage.completion_tokens_details?.reasoning_tokens || undefined,
  })
  const cost = options.cost?.(model, { prompt: usage.prompt_tokens ?? 0, completion: usage.completion_tokens ?? 0 })
  if (cost !== undefined) span.setCost(cost)
}

function toolCallsOf(message: any): Array<{ id?: string; name: string; arguments?: unknown }> {
  const calls = Array.isArray(message?.tool_calls) ? message.tool_calls : []
  return calls.map((c: any) => ({ id: c.id, name: c.function?.name ?? c.name, arguments: parseArgs(c.function?.arguments ?? c.arguments) }))
}

export function parseArgs(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

function finishLlmSpan(span: SpanHandle, params: any, model: string, output: unknown, toolCalls: Array<{ id?: string; name: string; arguments?: unknown }>): void {
  span.setLlmResponse({ model, provider: 'openai', response: output, toolCalls, emitEffect: true })
  for (const call of toolCalls) span.decision('tool to call', call.name, { payload: { tool_call_id: call.id, arguments: call.arguments } })
  if (params?.temperature !== undefined) span.setMetadata('temperature', params.temperature)
}

async function tracedChat(continua: Continua, options: WrapOptions, create: AnyFn, args: any[]): Promise<any> {
  const params = args[0] ?? {}
  if (params.stream) {
    // The span stays open while the caller iterates, so it cannot be the span callback's result.
    return new Promise((resolve, reject) => {
      continua
        .span(
          options.spanName ?? 'openai.chat.completions',
          async (span) => {
            span.setType('llm').setModel(String(params.model ?? 'unknown'), 'openai')
            span.setInput({ messages: params.messages, ...(params.tools ? { tools: params.tools } : {}) })
            const { wrapped, done } = streamThrough(span, await create(...args), params, options)
            resolve(wrapped)
            return done
          },
          { type: 'llm' },
        )
        .catch(reject)
    })
  }
  return continua.span(
    options.spanName ?? 'openai.chat.completions',
    async (span) => {
      span.setType('llm').setModel(String(params.model ?? 'unknown'), 'openai')
      span.setInput({ messages: params.messages, ...(params.tools ? { tools: params.tools } : {}) })
      const res = await create(...args)
      const message = res?.choices?.[0]?.message
      const model = String(res?.model ?? params.model)
      recordUsage(span, model, res?.usage, options)
      finishLlmSpan(span, params, model, message, toolCallsOf(message))
      if (res?.choices?.[0]?.finish_reason) span.setMetadata('finish_reason', res.choices[0].finish_reason)
      return res
    },
    { type: 'llm' },
  )
}

/**
 * A streamed completion: the caller iterates the same chunks; the span collects text, tool calls
 * and usage as they pass, and is recorded and ended the moment iteration ends (before the caller
 * sees the end), so it is never left behind its trace.
 */
function streamThrough(span: SpanHandle, stream: any, params: any, options: WrapOptions): { wrapped: any; done: Promise<void> } {
  let text = ''
  const calls = new Map<number, { id?: string; name: string; args: string }>()
  let usage: ChatUsage | undefined
  let model = String(params.model)
  let finish: string | undefined
  let resolveDone!: () => void
  const done = new Promise<void>((r) => (resolveDone = r))
  const wrapped = tapStream(stream, async function* (source) {
    let failure: unknown
    try {
      for await (const chunk of source) {
        if (chunk.model) model = chunk.model
        if (chunk.usage) usage = chunk.usage
        const choice = chunk.choices?.[0]
        if (choice?.delta?.content) text += choice.delta.content
        for (const tc of choice?.delta?.tool_calls ?? []) {
          const cur = calls.get(tc.index) ?? { id: tc.id, name: '', args: '' }
          if (tc.id) cur.id = tc.id
          if (tc.function?.name) cur.name += tc.function.name
          if (tc.function?.arguments) cur.args += tc.function.arguments
          calls.set(tc.index, cur)
        }
        if (choice?.finish_reason) finish = choice.finish_reason
        yield chunk
      }
    } catch (err) {
      failure = err
      throw err
    } finally {
      recordUsage(span, model, usage, options)
      const toolCalls = [...calls.values()].map((c) => ({ id: c.id, name: c.name, arguments: parseArgs(c.args) }))
      const message = { role: 'assistant', content: text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }
      finishLlmSpan(span, params, model, message, toolCalls)
      if (finish) span.setMetadata('finish_reason', finish)
      span.setMetadata('stream', true)
      span.end(failure)
      resolveDone()
    }
  })
  return { wrapped, done }
}

async function tracedResponses(continua: Continua, options: WrapOptions, create: AnyFn, args: any[]): Promise<any> {
  const params = args[0] ?? {}
  return continua.span(
    options.spanName ?? 'openai.responses',
    async (span) => {
      span.setType('llm').setModel(String(params.model ?? 'unknown'), 'openai')
      span.setInput({ messages: params.input, ...(params.instructions ? { instructions: params.instructions } : {}) })
      const res = await create(...args)
      const model = String(res?.model ?? params.model)
      const u = res?.usage
      if (u) {
        span.setTokens({ prompt: u.input_tokens, completion: u.output_tokens, cacheRead: u.input_tokens_details?.cached_tokens || undefined, reasoning: u.output_tokens_details?.reasoning_tokens || undefined })
      }
      const calls = (res?.output ?? []).filter((o: any) => o.type === 'function_call').map((o: any) => ({ id: o.call_id, name: o.name, arguments: parseArgs(o.arguments) }))
      finishLlmSpan(span, params, model, res?.output_text ?? res?.output, calls)
      return res
    },
    { type: 'llm' },
  )
}

/**
 * Routes iteration of an SDK stream object through `tap`, keeping the object itself so
 * `controller`, `tee()` and `toReadableStream()` still work. Stainless-generated clients (OpenAI,
 * Anthropic) iterate through `stream.iterator()`; anything else through Symbol.asyncIterator.
 */
export function tapStream(stream: any, tap: (source: AsyncIterable<any>) => AsyncGenerator<any>): any {
  if (typeof stream?.iterator === 'function') {
    const inner = stream.iterator.bind(stream)
    stream.iterator = () => tap({ [Symbol.asyncIterator]: inner })
    return stream
  }
  const inner = stream[Symbol.asyncIterator].bind(stream)
  const iterate = () => tap({ [Symbol.asyncIterator]: inner })
  try {
    Object.defineProperty(stream, Symbol.asyncIterator, { value: iterate, configurable: true, writable: true })
    return stream
  } catch {
    return { [Symbol.asyncIterator]: iterate }
  }
}
