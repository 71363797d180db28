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
          const u = result?.usage ?? {}
          const prompt = num(u.inputTokens)
          const completion = num(u.outputTokens)
          span.setTokens({ prompt, completion, cacheRead: num(u.cachedInputTokens) || undefined, reasoning: num(u.reasoningTokens) || undefined })
          const cost = options.cost?.(model.modelId, { prompt: prompt ?? 0, completion: completion ?? 0 })
          if (cost !== undefined) span.setCost(cost)
          const content: any[] = Array.isArray(result?.content) ? result.content : []
          const toolCalls = content
            .filter((c) => c.type === 'tool-call')
            .map((c) => ({ id: c.toolCallId, name: c.toolName, arguments: typeof c.input === 'string' ? safeParse(c.input) : c.input }))
          const text = content.filter((c) => c.type === 'text').map((c) => c.text).join('')
          span.setLlmResponse({ model: model.modelId, provider: model.provider, response: { role: 'assistant', content: text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, toolCalls })
          for (const call of toolCalls) span.decision('tool to call', call.name, { payload: { tool_call_id: call.id, arguments: call.arguments } })
          if (result?.finishReason) span.setMetadata('finish_reason', result.finishReason)
          return result
        },
        { type: 'llm' },
      )
    },
  }
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}
