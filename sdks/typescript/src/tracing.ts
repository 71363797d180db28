import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { events, type BuiltEvent } from './events.js'
import type { EventLevel, EventRecord, SessionRecord, SpanLevel, SpanRecord, SpanType, TraceRecord, TraceStatus } from './types.js'

// Trace, span and session handles, and the AsyncLocalStorage context that carries them across
// awaits. Handles only build wire records; the client queues and sends them.

export interface RecordSink {
  enqueue(kind: 'sessions', record: SessionRecord): void
  enqueue(kind: 'traces', record: TraceRecord): void
  enqueue(kind: 'spans', record: SpanRecord): void
  enqueue(kind: 'events', record: EventRecord): void
}

export interface SessionInfo {
  sessionId: string
  userId?: string
  name?: string
  metadata?: Record<string, unknown>
}

interface Context {
  session?: SessionInfo
  trace?: TraceHandle
  span?: SpanHandle
}

export const storage = new AsyncLocalStorage<Context>()

export const now = () => new Date().toISOString()

/** The sink of traces that were sampled out: records are built and dropped on purpose. */
export const DISCARD: RecordSink = { enqueue() {} }

export function currentTrace(): TraceHandle | undefined {
  return storage.getStore()?.trace
}
export function currentSpan(): SpanHandle | undefined {
  return storage.getStore()?.span
}
export function currentSession(): SessionInfo | undefined {
  return storage.getStore()?.session
}

export interface TraceOptions {
  traceId?: string
  sessionId?: string
  userId?: string
  tags?: string[]
  metadata?: Record<string, unknown>
  input?: unknown
  environment?: string
  release?: string
}

export class TraceHandle {
  readonly id: string
  readonly startTime = now()
  private input: unknown
  private output: unknown
  private metadata: Record<string, unknown>
  private tags?: string[]
  private userId?: string
  private status: TraceStatus = 'running'
  private ended = false
  private spanSequence = 0

  constructor(
    /** Where this trace's records go (the client, or nowhere for a trace sampled out). */
    readonly sink: RecordSink,
    readonly name: string,
    private readonly options: TraceOptions & { sessionId?: string },
  ) {
    this.id = options.traceId ?? randomUUID()
    this.input = options.input
    this.metadata = { ...(options.metadata ?? {}) }
    this.tags = options.tags
    this.userId = options.userId
  }

  get sessionId(): string | undefined {
    return this.options.sessionId
  }

  setInput(input: unknown): this {
    this.input = input
    return this
  }
  setOutput(output: unknown): this {
    this.output = output
    return this
  }
  /** Whether an output was set explicitly (the wrapper then keeps it over the return value). */
  get hasOutput(): boolean {
    return this.output !== undefined
  }
  setMetadata(keyOrObject: string | Record<string, unknown>, value?: unknown): this {
    if (typeof keyOrObject === 'string') this.metadata[keyOrObject] = value
    else Object.assign(this.metadata, keyOrObject)
    return this
  }
  setTags(tags: string[]): this {
    this.tags = [...tags]
    return this
  }
  setUserId(userId: string): this {
    this.userId = userId
    return this
  }

  /** @internal next span sequence inside this trace */
  nextSpanSequence(): number {
    return this.spanSequence++
  }

  /** @internal */
  record(final: boolean): TraceRecord {
    const r: TraceRecord = { trace_id: this.id, name: this.name, status: this.status, start_time: this.startTime }
    if (this.options.sessionId) r.session_id = this.options.sessionId
    if (this.userId) r.user_id = this.userId
    if (this.tags?.length) r.tags = this.tags
    if (this.options.environment) r.environment = this.options.environment
    if (this.options.release) r.release = this.options.release
    if (Object.keys(this.metadata).length) r.metadata = { ...this.metadata }
    // Input goes out again at the end, so an input set after the start is not lost.
    if (this.input !== undefined) r.input = this.input
    if (final) {
      r.end_time = now()
      if (this.output !== undefined) r.output = this.output
    }
    return r
  }

  /** @internal */
  start(): void {
    this.sink.enqueue('traces', this.record(false))
  }

  /** @internal */
  end(error?: unknown): void {
    if (this.ended) return
    this.ended = true
    this.status = error === undefined ? 'completed' : 'failed'
    if (error !== undefined) this.metadata.error = error instanceof Error ? error.message : String(error)
    this.sink.enqueue('traces', this.record(true))
  }
}

export interface SpanOptions {
  spanId?: string
  type?: SpanType
  input?: unknown
  metadata?: Record<string, unknown>
  model?: string
  provider?: string
  level?: SpanLevel
}

export interface TokenUsage {
  prompt?: number
  completion?: number
  /** Sent only together with prompt or completion (the server refuses it alone). */
  total?: number
  cacheRead?: number
  cacheWrite?: number
  reasoning?: number
}

export class SpanHandle {
  readonly id: string
  readonly startTime = now()
  readonly depth: number
  private readonly sequence: number
  private fields: Partial<SpanRecord> = {}
  private metadata: Record<string, unknown>
  private status: TraceStatus = 'running'
  private eventSequence = 0
  private ended = false

  constructor(
    private readonly sink: RecordSink,
    public name: string,
    readonly trace: TraceHandle,
    readonly parent: SpanHandle | undefined,
    options: SpanOptions,
  ) {
    this.id = options.spanId ?? randomUUID()
    this.depth = parent ? parent.depth + 1 : 0
    this.sequence = trace.nextSpanSequence()
    this.metadata = { ...(options.metadata ?? {}) }
    if (options.type) this.fields.type = options.type
    if (options.input !== undefined) this.fields.input = options.input
    if (options.model) this.fields.model = options.model
    if (options.provider) this.fields.provider = options.provider
    if (options.level) this.fields.level = options.level
  }

  get traceId(): string {
    return this.trace.id
  }

  setName(name: string): this {
    this.name = name
    return this
  }
  setType(type: SpanType): this {
    this.fields.type = type
    return this
  }
  setLevel(level: SpanLevel): this {
    this.fields.level = level
    return this
  }
  setInput(input: unknown): this {
    this.fields.input = input
    return this
  }
  setOutput(output: unknown): this {
    this.fields.output = output
    return this
  }
  get hasOutput(): boolean {
    return this.fields.output !== undefined
  }
  setModel(model: string, provider?: string): this {
    this.fields.model = model
    if (provider) this.fields.provider = provider
    return this
  }
  setTokens(usage: TokenUsage): this {
    const set = (key: keyof SpanRecord, v: number | undefined) => {
      if (v === undefined || v === null) return
      if (!Number.isInteger(v) || v < 0) throw new TypeError(`${key} must be a non-negative whole number`)
      ;(this.fields as Record<string, unknown>)[key] = v
    }
    set('prompt_tokens', usage.prompt)
    set('completion_tokens', usage.completion)
    if (usage.prompt !== undefined || usage.completion !== undefined || this.fields.prompt_tokens != null || this.fields.completion_tokens != null) set('total_tokens', usage.total)
    set('cache_read_tokens', usage.cacheRead)
    set('cache_write_tokens', usage.cacheWrite)
    set('reasoning_tokens', usage.reasoning)
    return this
  }
  /** Cost in USD: a number, or a decimal string kept exact. */
  setCost(usd: number | string): this {
    this.fields.total_cost = usd
    return this
  }
  setMetadata(keyOrObject: string | Record<string, unknown>, value?: unknown): this {
    if (typeof keyOrObject === 'string') this.metadata[keyOrObject] = value
    else Object.assign(this.metadata, keyOrObject)
    return this
  }
  /** Marks the span failed with a message (the span still ends normally). */
  setError(error: unknown): this {
    this.status = 'failed'
    this.fields.status_message = error instanceof Error ? error.message : String(error)
    this.fields.level = 'error'
    return this
  }

  /** An LLM call: model, messages, response and tokens, plus an implicit model_call effect. */
  setLlmResponse(o: {
    model: string
    provider?: string
    messages?: unknown
    response?: unknown
    usage?: TokenUsage
    cost?: number | string
    toolCalls?: Array<{ id?: string; name: string; arguments?: unknown }>
    emitEffect?: boolean
  }): this {
    this.setType('llm').setModel(o.model, o.provider)
    if (o.messages !== undefined) this.setInput({ messages: o.messages })
    if (o.response !== undefined) this.setOutput(o.response)
    if (o.usage) this.setTokens(o.usage)
    if (o.cost !== undefined) this.setCost(o.cost)
    if (o.toolCalls?.length) this.setMetadata('tool_calls', o.toolCalls)
    if (o.emitEffect !== false) this.effect('model_call', { hasExternalSideEffect: false, payload: { model: o.model, ...(o.provider ? { provider: o.provider } : {}) } })
    return this
  }

  /** A tool call: renames the span to the tool, records arguments/result and a tool_call effect. */
  setToolCall(o: { toolName: string; arguments?: unknown; result?: unknown; hasExternalSideEffect?: boolean; emitEffect?: boolean }): this {
    this.setType('tool').setName(o.toolName)
    if (o.arguments !== undefined) this.setInput(o.arguments)
    if (o.result !== undefined) this.setOutput(o.result)
    if (o.emitEffect !== false) this.effect('tool_call', { hasExternalSideEffect: o.hasExternalSideEffect ?? true, payload: { tool_name: o.toolName } })
    return this
  }

  // --- events -------------------------------------------------------------------------------
  private emit(e: BuiltEvent): this {
    const r: EventRecord = { trace_id: this.trace.id, span_id: this.id, event_type: e.event_type, level: e.level, event_ts: now(), sequence: this.eventSequence++ }
    if (e.message !== undefined) r.message = e.message
    if (e.payload) r.payload = e.payload
    this.sink.enqueue('events', r)
    return this
  }
  log(message: string, o: { level?: EventLevel; payload?: Record<string, unknown> } = {}) {
    return this.emit(events.log(message, o))
  }
  error(message: string, o: { payload?: Record<string, unknown> } = {}) {
    return this.emit(events.error(message, o))
  }
  exception(err: unknown, o: { payload?: Record<string, unknown>; message?: string } = {}) {
    return this.emit(events.exception(err, o))
  }
  message(message: string, o: { level?: EventLevel; payload?: Record<string, unknown> } = {}) {
    return this.emit(events.message(message, o))
  }
  metric(name: string, value: number, o: { unit?: string; payload?: Record<string, unknown>; message?: string } = {}) {
    return this.emit(events.metric(name, value, o))
  }
  custom(payload: Record<string, unknown>, o: { level?: EventLevel; message?: string } = {}) {
    return this.emit(events.custom(payload, o))
  }
  stateChange(key: string, oldValue: unknown, newValue: unknown, o: { namespace?: string; message?: string; payload?: Record<string, unknown> } = {}) {
    return this.emit(events.stateChange(key, oldValue, newValue, o))
  }
  decision(question: string, chosen: unknown, o: { alternatives?: unknown[]; reasoning?: string; message?: string; payload?: Record<string, unknown> } = {}) {
    return this.emit(events.decision(question, chosen, o))
  }
  effect(kind: string, o: Parameters<typeof events.effect>[1] = {}) {
    return this.emit(events.effect(kind, o))
  }
  wait(kind: string, phase: 'entered' | 'resolved', o: Parameters<typeof events.wait>[2] = {}) {
    return this.emit(events.wait(kind, phase, o))
  }
  snapshotMarker(label: string, o: Parameters<typeof events.snapshotMarker>[1] = {}) {
    return this.emit(events.snapshotMarker(label, o))
  }

  /** @internal */
  record(final: boolean): SpanRecord {
    const r: SpanRecord = {
      trace_id: this.trace.id,
      span_id: this.id,
      parent_span_id: this.parent?.id ?? null,
      name: this.name,
      start_time: this.startTime,
      status: this.status,
      sequence: this.sequence,
      depth: this.depth,
      ...this.fields,
    }
    if (Object.keys(this.metadata).length) r.metadata = { ...this.metadata }
    if (final) r.end_time = now()
    return r
  }

  /** @internal */
  start(): void {
    this.sink.enqueue('spans', this.record(false))
  }

  /**
   * Ends the span now (later calls do nothing). The span() wrapper calls it; call it yourself
   * only for work that outlives the callback, such as a stream the caller reads later.
   */
  end(error?: unknown): void {
    if (this.ended) return
    this.ended = true
    if (error !== undefined) this.setError(error)
    else if (this.status === 'running') this.status = 'completed'
    this.sink.enqueue('spans', this.record(true))
  }
}
