import { randomUUID } from 'node:crypto'
import { ContinuaApiError, defaultEndpoint, requestJson, sleep, type HttpOptions } from './http.js'
import { DISCARD, SpanHandle, TraceHandle, currentSession, currentSpan, currentTrace, storage, type RecordSink, type SessionInfo, type SpanOptions, type TraceOptions } from './tracing.js'
import type { BatchStatus, EventRecord, IngestBatch, IngestResponse, SessionRecord, SpanRecord, TraceRecord } from './types.js'

export type IngestMode = 'sync' | 'async' | 'server_default'

export interface Logger {
  debug(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** A batch the client gave up on after its retries (or one the server refused outright). */
export interface IngestFailure {
  error: Error
  batchKey: string
  batch: IngestBatch
}

export interface ContinuaOptions {
  /** Project API key; default CONTINUA_API_KEY. */
  apiKey?: string
  /** Server URL; default CONTINUA_ENDPOINT, else http://localhost:8080. */
  endpoint?: string
  /** `sync` (?sync=true), `async` (X-Continua-Async-Version: 2) or the server's default. */
  ingestMode?: IngestMode
  /** Items (traces + spans + events) per request; reaching it triggers a flush. Default 100. */
  batchSize?: number
  /** Milliseconds between background flushes. Default 5000. */
  flushInterval?: number
  /** Items held while the server is unreachable; beyond it new items are refused via onError. Default 10000. */
  maxQueueSize?: number
  maxRetries?: number
  baseDelayMs?: number
  maxDelayMs?: number
  timeoutMs?: number
  /** Share of traces recorded, 0..1 (default 1). Decided per trace; its spans and events follow. */
  sampleRate?: number
  /** Called for every batch that could not be delivered. */
  onError?: (failure: IngestFailure) => void
  logger?: Logger
  /** Flush when the event loop drains (beforeExit). Default true. */
  flushOnExit?: boolean
  environment?: string
  release?: string
  fetch?: typeof fetch
}

type Kind = 'sessions' | 'traces' | 'spans' | 'events'
type QueuedItem = { kind: 'sessions'; record: SessionRecord } | { kind: 'traces'; record: TraceRecord } | { kind: 'spans'; record: SpanRecord } | { kind: 'events'; record: EventRecord }

const consoleLogger: Logger = {
  debug: () => {},
  warn: (m) => console.warn(`[continua] ${m}`),
  error: (m) => console.error(`[continua] ${m}`),
}

const INGEST_MODES: IngestMode[] = ['sync', 'async', 'server_default']

export class Continua implements RecordSink {
  readonly endpoint: string
  readonly ingestMode: IngestMode
  private readonly http: HttpOptions
  private readonly batchSize: number
  private readonly maxQueueSize: number
  private readonly onError?: (failure: IngestFailure) => void
  private readonly logger: Logger
  private readonly sampleRate: number
  private readonly environment?: string
  private readonly release?: string
  private queue: QueuedItem[] = []
  private chain: Promise<unknown> = Promise.resolve()
  private timer?: NodeJS.Timeout
  private readonly exitHook?: () => void
  private readonly lateHook?: () => void
  private closed = false
  private autoFlushing = false
  private sentSessions = new Set<string>()

  constructor(options: ContinuaOptions = {}) {
    const apiKey = options.apiKey ?? process.env.CONTINUA_API_KEY
    if (!apiKey) throw new TypeError('Continua: apiKey is required (or set CONTINUA_API_KEY)')
    this.endpoint = (options.endpoint ?? defaultEndpoint()).replace(/\/+$/, '')
    this.ingestMode = options.ingestMode ?? (process.env.CONTINUA_INGEST_MODE as IngestMode | undefined) ?? 'server_default'
    if (!INGEST_MODES.includes(this.ingestMode)) throw new TypeError(`Continua: ingestMode must be one of ${INGEST_MODES.join(', ')}`)
    this.batchSize = positive('batchSize', options.batchSize ?? 100)
    this.maxQueueSize = positive('maxQueueSize', options.maxQueueSize ?? 10_000)
    this.sampleRate = options.sampleRate ?? 1
    if (!(this.sampleRate >= 0 && this.sampleRate <= 1)) throw new TypeError('Continua: sampleRate must be between 0 and 1')
    this.onError = options.onError
    this.logger = options.logger ?? consoleLogger
    this.environment = options.environment
    this.release = options.release
    this.http = {
      endpoint: this.endpoint,
      apiKey,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { maxRetries: options.maxRetries ?? 5, baseDelayMs: options.baseDelayMs ?? 500, maxDelayMs: options.maxDelayMs ?? 30_000 },
      fetch: options.fetch,
    }
    const interval = options.flushInterval ?? 5000
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => {}), interval)
      this.timer.unref()
    }
    if (options.flushOnExit !== false) {
      this.exitHook = () => {
        if (this.queue.length) void this.flush().catch(() => {})
      }
      // 'exit' cannot run async work: anything still queued then is at least reported.
      this.lateHook = () => {
        if (this.queue.length) this.logger.error(`${this.queue.length} item(s) were still queued at process exit and were not sent; call flush() or shutdown() before exiting`)
      }
      process.on('beforeExit', this.exitHook)
      process.on('exit', this.lateHook)
    }
  }

  // --- queue ----------------------------------------------------------------------------------

  /** Number of items waiting to be sent. */
  get pending(): number {
    return this.queue.length
  }

  enqueue(kind: Kind, record: any): void {
    if (this.queue.length >= this.maxQueueSize) {
      const error = new Error(`queue full (${this.maxQueueSize} items): the ${kind.slice(0, -1)} was not queued; the server may be unreachable`)
      this.report({ error, batchKey: '', batch: { batch_key: '', [kind]: [record] } })
      return
    }
    // Snapshot now, as plain JSON: later mutation cannot change what is sent, and one
    // unserialisable value cannot sink the whole batch.
    this.queue.push({ kind, record: toJsonSafe(record) } as QueuedItem)
    // One automatic flush at a time: its drain loop also takes whatever arrives meanwhile.
    if (this.queue.length >= this.batchSize && !this.autoFlushing) {
      this.autoFlushing = true
      void this.flush().finally(() => (this.autoFlushing = false))
    }
  }

  /** Sends raw records (the reference's `ingest`); with `flush`, waits and returns the batch ids. */
  async ingest(records: { sessions?: SessionRecord[]; traces?: TraceRecord[]; spans?: SpanRecord[]; events?: EventRecord[] }, options: { flush?: boolean } = {}): Promise<string[]> {
    for (const kind of ['sessions', 'traces', 'spans', 'events'] as const) for (const r of records[kind] ?? []) this.enqueue(kind, r)
    return options.flush ? this.flush() : []
  }

  /**
   * Sends everything queued, in batches of batchSize, and returns the batch ids the server
   * assigned. Flushes run one at a time; a batch that fails for good goes to onError.
   */
  flush(): Promise<string[]> {
    const run = this.chain.then(() => this.drain())
    this.chain = run.catch(() => {})
    return run
  }

  private async drain(): Promise<string[]> {
    const ids: string[] = []
    while (this.queue.length) await this.sendItems(this.queue.splice(0, this.batchSize), ids)
    return ids
  }

  private async sendItems(items: QueuedItem[], ids: string[]): Promise<void> {
    const batch: IngestBatch = { batch_key: randomUUID() }
    for (const item of items) ((batch[item.kind] ??= []) as unknown[]).push(item.record)
    try {
      const res = await this.send(batch)
      if (res.batch_id) ids.push(res.batch_id)
    } catch (error) {
      // Too large for the server's body limit: halve it (each half under a new key) until it fits.
      if (error instanceof ContinuaApiError && error.status === 413 && items.length > 1) {
        this.logger.warn(`a batch of ${items.length} records exceeds the server's body limit; sending it in halves`)
        const mid = Math.ceil(items.length / 2)
        await this.sendItems(items.slice(0, mid), ids)
        await this.sendItems(items.slice(mid), ids)
        return
      }
      this.report({ error: error as Error, batchKey: batch.batch_key, batch })
    }
  }

  /** One request for one batch, retried per the policy; throws when it finally fails. */
  async send(batch: IngestBatch): Promise<IngestResponse> {
    const path = this.ingestMode === 'sync' ? '/v1/ingest?sync=true' : '/v1/ingest'
    const headers: Record<string, string> = this.ingestMode === 'async' ? { 'x-continua-async-version': '2' } : {}
    const res = await requestJson<IngestResponse>(this.http, 'POST', path, { body: batch, headers })
    return res.body
  }

  private report(failure: IngestFailure): void {
    const counts = (['sessions', 'traces', 'spans', 'events'] as const)
      .map((k) => [k, failure.batch[k]?.length ?? 0] as const)
      .filter(([, n]) => n)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')
    this.logger.error(`batch ${failure.batchKey || '(not queued)'} with ${counts} was not delivered: ${failure.error.message}`)
    try {
      this.onError?.(failure)
    } catch (err) {
      this.logger.error(`onError hook threw: ${(err as Error).message}`)
    }
  }

  /** Polls GET /v1/ingest/batches/{id} until the batch is completed or failed. */
  async waitForBatch(batchId: string, options: { timeoutMs?: number; pollIntervalMs?: number } = {}): Promise<BatchStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000)
    for (;;) {
      const { body } = await requestJson<BatchStatus>(this.http, 'GET', `/v1/ingest/batches/${encodeURIComponent(batchId)}`)
      if (body.status === 'completed' || body.status === 'failed') return body
      if (Date.now() >= deadline) throw new ContinuaApiError(`batch ${batchId} still ${body.status} after ${options.timeoutMs ?? 30_000} ms`, 0, 'timeout', body)
      await sleep(options.pollIntervalMs ?? 250)
    }
  }

  /** Flushes and stops the background timer; the client refuses nothing afterwards but no longer flushes by itself. */
  async shutdown(): Promise<string[]> {
    if (this.timer) clearInterval(this.timer)
    if (this.exitHook) process.off('beforeExit', this.exitHook)
    const ids = await this.flush()
    if (this.lateHook) process.off('exit', this.lateHook)
    this.closed = true
    return ids
  }

  get isShutdown(): boolean {
    return this.closed
  }

  // --- tracing --------------------------------------------------------------------------------

  /** Runs fn inside a new trace; its return value becomes the output unless one was set. */
  async trace<T>(name: string, fn: (trace: TraceHandle) => Promise<T> | T, options: TraceOptions = {}): Promise<T> {
    const session = currentSession()
    const sampled = this.sampleRate >= 1 || Math.random() < this.sampleRate
    const handle = new TraceHandle(sampled ? this : DISCARD, name, {
      environment: this.environment,
      release: this.release,
      ...options,
      sessionId: options.sessionId ?? session?.sessionId,
      userId: options.userId ?? session?.userId,
      metadata: { ...(session?.metadata ?? {}), ...(options.metadata ?? {}) },
    })
    if (sampled && handle.sessionId && session && handle.sessionId === session.sessionId) this.announceSession(session)
    handle.start()
    return storage.run({ session, trace: handle, span: undefined }, async () => {
      try {
        const value = await fn(handle)
        if (!handle.hasOutput && value !== undefined) handle.setOutput(value)
        handle.end()
        return value
      } catch (err) {
        handle.end(err ?? new Error('undefined thrown'))
        throw err
      }
    })
  }

  /**
   * Runs fn inside a new span of the current trace (child of the current span). Outside any trace
   * a trace of the same name is opened around it, so the span is never lost.
   */
  async span<T>(name: string, fn: (span: SpanHandle) => Promise<T> | T, options: SpanOptions = {}): Promise<T> {
    const trace = currentTrace()
    if (!trace) return this.trace(name, () => this.span(name, fn, options))
    const parent = currentSpan()
    const handle = new SpanHandle(trace.sink, name, trace, parent, options)
    handle.start()
    return storage.run({ ...storage.getStore(), trace, span: handle }, async () => {
      try {
        const value = await fn(handle)
        if (!handle.hasOutput && value !== undefined) handle.setOutput(value)
        handle.end()
        return value
      } catch (err) {
        handle.end(err ?? new Error('undefined thrown'))
        throw err
      }
    })
  }

  /** Groups the traces started inside fn under one session (client-side; sent with the traces). */
  async withSession<T>(session: string | (Partial<SessionInfo> & { sessionId?: string }), fn: () => Promise<T> | T): Promise<T> {
    const info: SessionInfo = typeof session === 'string' ? { sessionId: session } : { ...session, sessionId: session.sessionId ?? randomUUID() }
    return storage.run({ ...storage.getStore(), session: info }, async () => fn())
  }

  private announceSession(session: SessionInfo): void {
    if (!session.name && !session.userId && !session.metadata) return
    if (this.sentSessions.has(session.sessionId)) return
    this.sentSessions.add(session.sessionId)
    const r: SessionRecord = { session_id: session.sessionId }
    if (session.name) r.name = session.name
    if (session.userId) r.user_id = session.userId
    if (session.metadata) r.metadata = session.metadata
    this.enqueue('sessions', r)
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`Continua: ${name} must be a positive integer`)
  return value
}

/** A JSON-safe deep copy: cycles become "[Circular]", bigints strings, functions and symbols are left out. */
export function toJsonSafe(value: unknown, seen = new WeakSet<object>()): any {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'undefined' || typeof value === 'function' || typeof value === 'symbol') return undefined
  const obj = value as { toJSON?: () => unknown }
  if (typeof obj.toJSON === 'function') return toJsonSafe(obj.toJSON(), seen)
  if (seen.has(obj)) return '[Circular]'
  seen.add(obj)
  try {
    if (Array.isArray(value)) return value.map((v) => toJsonSafe(v, seen) ?? null)
    if (value instanceof Map) return toJsonSafe(Object.fromEntries(value), seen)
    if (value instanceof Set) return toJsonSafe([...value], seen)
    if (value instanceof Error) return { name: value.name, message: value.message }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const safe = toJsonSafe(v, seen)
      if (safe !== undefined) out[k] = safe
    }
    return out
  } finally {
    seen.delete(obj)
  }
}
