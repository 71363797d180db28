import type { SPAN_TYPES } from '../contract/ingest.js'
import { firstCount, firstString, maybeJson, unflattenList, withPrefix } from './attributes.js'
import type { Attributes } from './model.js'

// The GenAI reading of a span's attributes across conventions: OTel GenAI semconv (new and
// deprecated names), OpenInference, Traceloop/OpenLLMetry and the Vercel AI SDK. Each field has
// one precedence list, first hit wins; docs/opentelemetry.md carries the same table.

export type SpanType = (typeof SPAN_TYPES)[number]

const OPERATION_TYPES: Record<string, SpanType> = {
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  embeddings: 'embedding',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
  invoke_workflow: 'agent',
  retrieval: 'retrieval',
}

const OPENINFERENCE_TYPES: Record<string, SpanType> = {
  llm: 'llm',
  embedding: 'embedding',
  chain: 'chain',
  retriever: 'retrieval',
  reranker: 'retrieval',
  tool: 'tool',
  agent: 'agent',
  guardrail: 'guardrail',
  evaluator: 'evaluator',
  prompt: 'chain',
}

const TRACELOOP_TYPES: Record<string, SpanType> = { workflow: 'chain', task: 'chain', agent: 'agent', tool: 'tool' }
const LLM_REQUEST_TYPES: Record<string, SpanType> = { chat: 'llm', completion: 'llm', embedding: 'embedding', rerank: 'retrieval' }

const CONTINUA_TYPES = new Set<string>(['default', 'llm', 'tool', 'agent', 'chain', 'retrieval', 'embedding', 'generation', 'evaluator', 'guardrail'])

/** Vercel AI SDK operation ids (`ai.operationId`, also the span name). */
function vercelType(operation: string): SpanType | undefined {
  if (!operation.startsWith('ai.')) return undefined
  if (operation === 'ai.toolCall') return 'tool'
  if (/^ai\.(embed|embedMany)(\.doEmbed)?$/.test(operation)) return 'embedding'
  if (/\.(doGenerate|doStream)$/.test(operation)) return 'llm'
  if (/^ai\.(generateText|streamText|generateObject|streamObject)$/.test(operation)) return 'chain'
  return undefined
}

/** The span type and which attribute decided it. */
export function spanType(a: Attributes, spanName: string): { type: SpanType; source: string } {
  const override = firstString(a, ['continua.span.type'])?.toLowerCase()
  if (override && CONTINUA_TYPES.has(override)) return { type: override as SpanType, source: 'continua.span.type' }
  const op = firstString(a, ['gen_ai.operation.name'])?.toLowerCase()
  if (op && OPERATION_TYPES[op]) return { type: OPERATION_TYPES[op], source: 'gen_ai.operation.name' }
  const oi = firstString(a, ['openinference.span.kind'])?.toLowerCase()
  if (oi && OPENINFERENCE_TYPES[oi]) return { type: OPENINFERENCE_TYPES[oi], source: 'openinference.span.kind' }
  const tl = firstString(a, ['traceloop.span.kind'])?.toLowerCase()
  if (tl && TRACELOOP_TYPES[tl]) return { type: TRACELOOP_TYPES[tl], source: 'traceloop.span.kind' }
  const req = firstString(a, ['llm.request.type'])?.toLowerCase()
  if (req && LLM_REQUEST_TYPES[req]) return { type: LLM_REQUEST_TYPES[req], source: 'llm.request.type' }
  const vercel = vercelType(firstString(a, ['ai.operationId']) ?? spanName)
  if (vercel) return { type: vercel, source: 'ai.operationId' }
  if (firstString(a, ['gen_ai.tool.name', 'ai.toolCall.name'])) return { type: 'tool', source: 'gen_ai.tool.name' }
  if (firstString(a, ['gen_ai.request.model', 'gen_ai.response.model', 'llm.model_name'])) return { type: 'llm', source: 'gen_ai.request.model' }
  return { type: 'default', source: 'default' }
}

export const MODEL_KEYS = ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name', 'llm.request.model_name', 'ai.response.model', 'ai.model.id']
export const PROVIDER_KEYS = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider']

export function provider(a: Attributes): string | undefined {
  const raw = firstString(a, PROVIDER_KEYS)
  if (!raw) return undefined
  // Vercel writes its provider id ("openai.chat", "anthropic.messages") to ai.model.provider and
  // to gen_ai.system: the provider is the first part. Semconv names keep their dots (aws.bedrock).
  const name = raw === a['ai.model.provider'] ? raw.split('.')[0]! : raw
  return name.toLowerCase()
}

export const TOKEN_KEYS = {
  input: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt', 'ai.usage.inputTokens', 'ai.usage.promptTokens'],
  output: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion', 'ai.usage.outputTokens', 'ai.usage.completionTokens'],
  total: ['gen_ai.usage.total_tokens', 'llm.token_count.total', 'llm.usage.total_tokens', 'ai.usage.totalTokens'],
  cacheRead: [
    'gen_ai.usage.cache_read.input_tokens',
    'gen_ai.usage.cache_read_input_tokens',
    'llm.token_count.prompt_details.cache_read',
    'ai.usage.cachedInputTokens',
  ],
  cacheWrite: ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens', 'llm.token_count.prompt_details.cache_write'],
  reasoning: [
    'gen_ai.usage.reasoning.output_tokens',
    'gen_ai.usage.details.reasoning_tokens',
    'gen_ai.usage.reasoning_tokens',
    'llm.token_count.completion_details.reasoning',
    'ai.usage.reasoningTokens',
  ],
} as const

export interface Usage {
  prompt_tokens?: number
  completion_tokens?: number
  total_tokens?: number
  cache_read_tokens?: number
  cache_write_tokens?: number
  reasoning_tokens?: number
}

export function usage(a: Attributes): Usage {
  const out: Usage = {}
  const set = (field: keyof Usage, keys: readonly string[]) => {
    const n = firstCount(a, keys)
    if (n !== undefined) out[field] = n
  }
  set('prompt_tokens', TOKEN_KEYS.input)
  set('completion_tokens', TOKEN_KEYS.output)
  // A total alone says nothing about the split; it stays in the raw attributes.
  if (out.prompt_tokens !== undefined || out.completion_tokens !== undefined) set('total_tokens', TOKEN_KEYS.total)
  set('cache_read_tokens', TOKEN_KEYS.cacheRead)
  set('cache_write_tokens', TOKEN_KEYS.cacheWrite)
  set('reasoning_tokens', TOKEN_KEYS.reasoning)
  return out
}

export const COST_KEYS = ['continua.cost.total', 'gen_ai.usage.cost', 'llm.cost.total', 'operation.cost']

/** Cost in USD as an exact decimal string, when the emitter sent one. */
export function cost(a: Attributes): string | undefined {
  for (const key of COST_KEYS) {
    const v = a[key]
    if (typeof v === 'string' && /^\d{1,12}(\.\d{1,12})?$/.test(v.trim())) return v.trim()
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1e12) return v.toFixed(12).replace(/\.?0+$/, '') || '0'
  }
  return undefined
}

export const SESSION_KEYS = [
  'continua.session.id',
  'gen_ai.conversation.id',
  'session.id',
  'langfuse.session.id',
  'traceloop.association.properties.session_id',
  'traceloop.association.properties.chat_id',
  'ai.telemetry.metadata.sessionId',
]
export const USER_KEYS = ['continua.user.id', 'user.id', 'langfuse.user.id', 'traceloop.association.properties.user_id', 'ai.telemetry.metadata.userId', 'enduser.id']

/** Span attributes first, then the resource's. */
export function sessionAndUser(span: Attributes, resource: Attributes): { sessionId?: string; userId?: string } {
  const sessionId = firstString(span, SESSION_KEYS) ?? firstString(resource, SESSION_KEYS)
  const userId = firstString(span, USER_KEYS) ?? firstString(resource, USER_KEYS)
  return { ...(sessionId ? { sessionId } : {}), ...(userId ? { userId } : {}) }
}

export interface ToolInfo {
  name?: string
  call_id?: string
  type?: string
  description?: string
}

export function tool(a: Attributes): ToolInfo | undefined {
  const info: ToolInfo = {}
  const name = firstString(a, ['gen_ai.tool.name', 'tool.name', 'ai.toolCall.name'])
  const callId = firstString(a, ['gen_ai.tool.call.id', 'tool_call.id', 'ai.toolCall.id'])
  const type = firstString(a, ['gen_ai.tool.type'])
  const description = firstString(a, ['gen_ai.tool.description', 'tool.description'])
  if (name) info.name = name
  if (callId) info.call_id = callId
  if (type) info.type = type
  if (description) info.description = description
  return Object.keys(info).length ? info : undefined
}

export function agent(a: Attributes): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  for (const f of ['name', 'id', 'description', 'version']) {
    const v = firstString(a, [`gen_ai.agent.${f}`])
    if (v) out[f] = v
  }
  return Object.keys(out).length ? out : undefined
}

/** Request parameters: gen_ai.request.* plus OpenInference's JSON invocation parameters. */
export function requestParams(a: Attributes): Record<string, unknown> | undefined {
  const params: Record<string, unknown> = { ...maybeObject(a['llm.invocation_parameters']), ...withPrefix(a, 'gen_ai.request.') }
  delete params.model
  return Object.keys(params).length ? params : undefined
}

function maybeObject(v: unknown): Record<string, unknown> | undefined {
  const parsed = maybeJson(v as never)
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
}

/** Metadata sent through conventions' free-form namespaces. */
export function conventionMetadata(a: Attributes): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {
    ...maybeObject(a['metadata']),
    ...withPrefix(a, 'ai.telemetry.metadata.'),
    ...withPrefix(a, 'traceloop.association.properties.'),
    ...withPrefix(a, 'continua.metadata.'),
  }
  return Object.keys(out).length ? out : undefined
}

/** Tools offered to the model: semconv gen_ai.tool.definitions, or OpenInference llm.tools.N. */
export function toolDefinitions(a: Attributes): unknown {
  const semconv = a['gen_ai.tool.definitions']
  if (semconv !== undefined && semconv !== null) return maybeJson(semconv)
  const flattened = unflattenList(a, 'llm.tools.')
  if (!flattened.length) return undefined
  return flattened.map((entry) => {
    const schema = (entry as { tool?: { json_schema?: unknown } }).tool?.json_schema
    return schema === undefined ? entry : maybeJson(schema as never)
  })
}
