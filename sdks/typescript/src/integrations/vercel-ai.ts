import type { Continua } from '../client.js'

// Vercel AI SDK: a language-model middleware (use with `wrapLanguageModel({ model, middleware })`)
// that records each generate call as an `llm` span. It needs nothing from the `ai` package.

export interface ContinuaMiddlewareOptions {
  spanName?: string
  cost?: (model: string, usage: { prompt: number; completion: number }) => number | string | undefined
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined
}

export function continuaMiddleware(continua: Continua, options: ContinuaMiddlewareOptions = {}) {
  return {
    middlewareVersion: 'v2' as const,
    async wrapGenerate({ doGenerate, params, model }: { doGenerate: () => PromiseLike<any>; params: any; model: { modelId: string; provider: string } }) {
      return continua.span(
        options.spanName ?? 'ai.generate',
        async (span) => {
          span.setType('llm').setModel(model.modelId, model.provider)
          span.setInput({ messages: params?.prompt, ...(params?.tools?.length ? { tools: params.tools } : {}) })
          const result = await doGenerate()
          record(span, model, options, Array.isArray(result?.content) ? result.content : [], result?.usage, result?.finishReason)
          return result
        },
        { type: 'llm' },
      )
    },

    /** streamText: the span stays open while the caller reads the stream and records it at the end. */
    async wrapStream({ doStream, params, model }: { doStream: () => PromiseLike<any>; params: any; model: { modelId: string; provider: string } }) {
      return new Promise<any>((resolve, reject) => {
        continua
          .span(
            options.spanName ?? 'ai.stream',
            async (span) => {
              span.setType('llm').setModel(model.modelId, model.provider)
              span.setInput({ messages: params?.prompt, ...(params?.tools?.length ? { tools: params.tools } : {}) })
              const result = await doStream()
              const content: any[] = []
              let text = ''
              let usage: unknown
              let finishReason: unknown
              let failure: unknown
              let finished!: () => void
              const done = new Promise<void>((r) => (finished = r))
              const tap = new TransformStream<any, any>({
                transform(part, controller) {
                  if (part?.type === 'text-delta') text += part.delta ?? ''
                  else if (part?.type === 'tool-call') content.push(part)
                  else if (part?.type === 'finish') ((usage = part.usage), (finishReason = part.finishReason))
                  else if (part?.type === 'error') failure = part.error
                  controller.enqueue(part)
                },
                // Runs before the reader sees the end: the span is complete before its trace can end.
                flush() {
                  if (text) content.unshift({ type: 'text', text })
                  record(span, model, options, content, usage, finishReason)
                  span.setMetadata('stream', true)
                  if (failure !== undefined) span.setError(failure instanceof Error ? failure : String((failure as { message?: string })?.message ?? failure))
                  span.end()
                  finished()
                },
              })
              resolve({ ...result, stream: result.stream.pipeThrough(tap) })
              await done
            },
            { type: 'llm' },
          )
          .catch(reject)
      })
    },
  }
}

/** Records a finished generation (assembled from stream parts, or returned whole) on the span. */
function record(span: any, model: { modelId: string; provider: string }, options: ContinuaMiddlewareOptions, content: any[], usage: any, finishReason: unknown): void {
  const u = usage ?? {}
  const prompt = num(u.inputTokens)
  const completion = num(u.outputTokens)
  span.setTokens({ prompt, completion, cacheRead: num(u.cachedInputTokens) || undefined, reasoning: num(u.reasoningTokens) || undefined })
  const cost = options.cost?.(model.modelId, { prompt: prompt ?? 0, completion: completion ?? 0 })
  if (cost !== undefined) span.setCost(cost)
  const toolCalls = content
    .filter((c) => c.type === 'tool-call')
    .map((c) => ({ id: c.toolCallId, name: c.toolName, arguments: typeof c.input === 'string' ? safeParse(c.input) : c.input }))
  const text = content.filter((c) => c.type === 'text').map((c) => c.text).join('')
  span.setLlmResponse({ model: model.modelId, provider: model.provider, response: { role: 'assistant', content: text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, toolCalls })
  for (const call of toolCalls) span.decision('tool to call', call.name, { payload: { tool_call_id: call.id, arguments: call.arguments } })
  if (finishReason) span.setMetadata('finish_reason', finishReason)
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}
