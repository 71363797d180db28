import type { Continua } from '../client.js'
import { deepProxy, type WrapOptions } from './openai.js'

// Wraps an Anthropic client so messages.create becomes an `llm` span: model, system + messages,
// content blocks, all token buckets (cache reads and writes included) and tool_use blocks.

export function wrapAnthropic<T extends object>(client: T, continua: Continua, options: WrapOptions = {}): T {
  return deepProxy(client, [], (path, target, original) => {
    if (path.join('.') !== 'messages.create') return undefined
    return (...args: any[]) => {
      const params = args[0] ?? {}
      if (params.stream) return original.apply(target, args) // streamed messages are passed through untraced
      return continua.span(
        options.spanName ?? 'anthropic.messages',
        async (span) => {
          span.setType('llm').setModel(String(params.model ?? 'unknown'), 'anthropic')
          span.setInput({ messages: params.messages, ...(params.system ? { system: params.system } : {}), ...(params.tools ? { tools: params.tools } : {}) })
          const res = await original.apply(target, args)
          const model = String(res?.model ?? params.model)
          const u = res?.usage
          if (u) {
            span.setTokens({ prompt: u.input_tokens, completion: u.output_tokens, cacheRead: u.cache_read_input_tokens || undefined, cacheWrite: u.cache_creation_input_tokens || undefined })
            const cost = options.cost?.(model, { prompt: u.input_tokens ?? 0, completion: u.output_tokens ?? 0 })
            if (cost !== undefined) span.setCost(cost)
          }
          const blocks: any[] = Array.isArray(res?.content) ? res.content : []
          const toolCalls = blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, arguments: b.input }))
          span.setLlmResponse({ model, provider: 'anthropic', response: { role: 'assistant', content: blocks }, toolCalls })
          for (const call of toolCalls) span.decision('tool to call', call.name, { payload: { tool_call_id: call.id, arguments: call.arguments } })
          if (res?.stop_reason) span.setMetadata('finish_reason', res.stop_reason)
          return res
        },
        { type: 'llm' },
      )
    }
  })
}
