import { randomUUID } from 'node:crypto'
import { ContinuaApiError, defaultEndpoint, requestJson, sleep, type HttpOptions } from './http.js'
import type { Logger } from './client.js'

// A remote activity worker: claims tasks of the types it has handlers for, heartbeats each at
// under a third of its lease, completes or fails it, and stops gracefully.

export interface ActivityContext {
  taskId: string
  activityKey: string
  activityType: string
  workerId: string
  /** Aborted when the lease is lost (another worker may now run the task) or on forced stop. */
  signal: AbortSignal
  /** Extends the lease now (the worker also does this on its own schedule). */
  heartbeat(): Promise<void>
}

export type ActivityHandler = (input: any, ctx: ActivityContext) => unknown

/** Throw this from a handler to fail the task without retries. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError'
  constructor(
    message: string,
    readonly code = 'non_retryable_error',
  ) {
    super(message)
  }
}

export interface ActivityWorkerOptions {
  apiKey?: string
  endpoint?: string
  workerId?: string
  activities?: Record<string, ActivityHandler>
  /** Tasks run at once. Default 5. */
  concurrency?: number
  /** Pause between claims when there was nothing to do. Default 1000 ms. */
  pollIntervalMs?: number
  /** Lease asked for, like "60s" (the server clamps it to 10 s – 5 min). */
  leaseDuration?: string
  /** Heartbeat period; default a quarter of the lease the server granted, never a third or more. */
  heartbeatIntervalMs?: number
  /** How long stop() waits for running tasks. Default 30000 ms. */
  shutdownTimeoutMs?: number
  /** Stop gracefully on SIGINT/SIGTERM while run() is active. Default true. */
  handleSignals?: boolean
  logger?: Logger
  fetch?: typeof fetch
}

interface ClaimedTask {
  task_id: string
  activity_key: string
  activity_type: string
  input: unknown
  lease_expires_at: string
  effective_lease_duration_ms: number
}

const MAX_ERROR_MESSAGE = 4096

export class ActivityWorker {
  readonly workerId: string
  private readonly http: HttpOptions
  private readonly handlers = new Map<string, ActivityHandler>()
  private readonly concurrency: number
  private readonly pollIntervalMs: number
  private readonly leaseDuration: string
  private readonly heartbeatIntervalMs?: number
  private readonly shutdownTimeoutMs: number
  private readonly handleSignals: boolean
  private readonly logger: Logger
  private readonly running = new Map<string, { promise: Promise<void>; abort: AbortController }>()
  private stopping = false
  private loop?: Promise<void>
  private wake?: () => void
  /** Counts of finished tasks, for callers and tests. */
  readonly stats = { completed: 0, failed: 0, leaseLost: 0 }

  constructor(options: ActivityWorkerOptions = {}) {
    this.workerId = options.workerId ?? `ts-${randomUUID()}`
    this.http = {
      endpoint: (options.endpoint ?? defaultEndpoint()).replace(/\/+$/, ''),
      apiKey: options.apiKey ?? process.env.CONTINUA_API_KEY,
      timeoutMs: 30_000,
      retry: { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 5000 },
      fetch: options.fetch,
    }
    this.concurrency = options.concurrency ?? 5
    this.pollIntervalMs = options.pollIntervalMs ?? 1000
    this.leaseDuration = options.leaseDuration ?? '60s'
    this.heartbeatIntervalMs = options.heartbeatIntervalMs
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000
    this.handleSignals = options.handleSignals ?? true
    this.logger = options.logger ?? { debug: () => {}, warn: (m) => console.warn(`[continua worker] ${m}`), error: (m) => console.error(`[continua worker] ${m}`) }
    for (const [type, fn] of Object.entries(options.activities ?? {})) this.register(type, fn)
  }

  register(activityType: string, handler: ActivityHandler): this {
    if (!activityType) throw new TypeError('activity type must not be empty')
    this.handlers.set(activityType, handler)
    return this
  }

  get activeTasks(): number {
    return this.running.size
  }

  /** Claims once (up to the free slots) and starts the claimed tasks; returns how many. */
  async pollOnce(): Promise<number> {
    const free = this.concurrency - this.running.size
    if (free <= 0 || this.stopping || !this.handlers.size) return 0
    const { body } = await requestJson<{ tasks: ClaimedTask[] }>(this.http, 'POST', '/v1/engine/activities/claim', {
      body: { worker_id: this.workerId, activity_types: [...this.handlers.keys()], lease_duration: this.leaseDuration, max_tasks: Math.min(free, 50) },
    })
    for (const task of body.tasks) this.start(task)
    return body.tasks.length
  }

  /** Runs until stop() (or SIGINT/SIGTERM); resolves once running tasks have finished. */
  run(): Promise<void> {
    if (this.loop) return this.loop
    this.stopping = false
    const onSignal = () => void this.stop()
    if (this.handleSignals) {
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
    }
    this.loop = (async () => {
      try {
        while (!this.stopping) {
          let claimed = 0
          try {
            claimed = await this.pollOnce()
          } catch (err) {
            this.logger.warn(`claim failed: ${(err as Error).message}`)
          }
          if (this.stopping) break
          if (claimed === 0 || this.running.size >= this.concurrency) await this.idle()
        }
        await this.drain()
      } finally {
        if (this.handleSignals) {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
        }
        this.loop = undefined
      }
    })()
    return this.loop
  }

  /** Waits for the poll interval, or less if a slot frees up or stop() is called. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, this.pollIntervalMs)
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.wake = done
    })
  }

  /** Stops claiming and waits up to shutdownTimeoutMs for running tasks; the rest are aborted. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wake?.()
    if (this.loop) await this.loop
    else await this.drain()
  }

  /** Resolves when no task is running. */
  async waitForIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.running.size) {
      if (Date.now() > deadline) throw new Error(`${this.running.size} task(s) still running after ${timeoutMs} ms`)
      await Promise.race([...this.running.values()].map((r) => r.promise).concat(sleep(100)))
    }
  }

  private async drain(): Promise<void> {
    if (!this.running.size) return
    const all = Promise.allSettled([...this.running.values()].map((r) => r.promise))
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.shutdownTimeoutMs)))
    // The timer is cleared once tasks finish, so a stopped worker does not hold the process open.
    const timedOut = await Promise.race([all.then(() => false), deadline]).finally(() => clearTimeout(timer))
    if (timedOut) {
      this.logger.warn(`${this.running.size} task(s) still running after ${this.shutdownTimeoutMs} ms; aborting (their leases will expire and another worker will retry them)`)
      for (const r of this.running.values()) r.abort.abort(new Error('worker stopped'))
      await all
    }
  }

  private start(task: ClaimedTask): void {
    const abort = new AbortController()
    const promise = this.execute(task, abort).finally(() => {
      this.running.delete(task.task_id)
      this.wake?.()
    })
    this.running.set(task.task_id, { promise, abort })
  }

  private heartbeatPeriod(leaseMs: number): number {
    const safe = Math.floor(leaseMs / 4)
    return Math.max(50, Math.min(this.heartbeatIntervalMs ?? safe, Math.floor(leaseMs / 3) - 1))
  }

  private async execute(task: ClaimedTask, abort: AbortController): Promise<void> {
    let lost = false
    const beat = async () => {
      if (lost) return
      try {
        await requestJson(this.http, 'POST', `/v1/engine/activities/${task.task_id}/heartbeat`, { body: { worker_id: this.workerId } })
      } catch (err) {
        if (err instanceof ContinuaApiError && (err.status === 404 || err.status === 409)) {
          lost = true
          abort.abort(new Error(`lease lost on task ${task.task_id}`))
          return
        }
        this.logger.warn(`heartbeat for task ${task.task_id} failed: ${(err as Error).message}`)
      }
    }
    const timer = setInterval(() => void beat(), this.heartbeatPeriod(task.effective_lease_duration_ms))
    const handler = this.handlers.get(task.activity_type)
    const ctx: ActivityContext = { taskId: task.task_id, activityKey: task.activity_key, activityType: task.activity_type, workerId: this.workerId, signal: abort.signal, heartbeat: beat }
    let outcome: { ok: true; output: unknown } | { ok: false; error: unknown }
    try {
      if (!handler) throw new NonRetryableError(`no handler registered for ${task.activity_type}`, 'activity_not_registered')
      outcome = { ok: true, output: await handler(task.input, ctx) }
    } catch (error) {
      outcome = { ok: false, error }
    } finally {
      clearInterval(timer)
    }
    if (lost) {
      this.stats.leaseLost++
      this.logger.warn(`task ${task.task_id} lost its lease; its result is discarded`)
      return
    }
    try {
      if (outcome.ok) {
        await requestJson(this.http, 'POST', `/v1/engine/activities/${task.task_id}/complete`, { body: { worker_id: this.workerId, output: outcome.output ?? null } })
        this.stats.completed++
      } else {
        const err = outcome.error
        const nonRetryable = err instanceof NonRetryableError
        const code = nonRetryable ? err.code : typeof (err as { code?: unknown })?.code === 'string' ? String((err as { code: string }).code).slice(0, 128) : 'activity_error'
        const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_MESSAGE)
        await requestJson(this.http, 'POST', `/v1/engine/activities/${task.task_id}/fail`, { body: { worker_id: this.workerId, error_code: code, error_message: message || code, non_retryable: nonRetryable } })
        this.stats.failed++
      }
    } catch (err) {
      if (err instanceof ContinuaApiError && (err.status === 404 || err.status === 409)) {
        this.stats.leaseLost++
        this.logger.warn(`task ${task.task_id}: the server no longer accepts this worker's outcome (${err.code})`)
        return
      }
      this.logger.error(`task ${task.task_id}: reporting the outcome failed: ${(err as Error).message}`)
    }
  }
}
