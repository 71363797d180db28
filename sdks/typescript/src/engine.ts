import { ContinuaApiError, defaultEndpoint, requestJson, sleep, type HttpOptions } from './http.js'

// Client for the engine control plane, /v1/engine/*. Responses are the wire JSON as the server
// sends it (snake_case); statuses are upper case (COMPLETED, WAITING, …).

export interface EngineClientOptions {
  apiKey?: string
  endpoint?: string
  /** Needed only for operator credentials; an API key already names its project. */
  projectId?: string
  timeoutMs?: number
  maxRetries?: number
  fetch?: typeof fetch
}

export interface StartRunRequest {
  instanceKey: string
  definitionName: string
  definitionVersion: string
  /** Dedupe key for retries of this start; defaults to the instance key. */
  requestKey?: string
  input?: unknown
  session?: { key?: string; name?: string; metadata?: Record<string, unknown> }
  trace?: { name?: string; user_id?: string; tags?: string[]; environment?: string; release?: string; metadata?: Record<string, unknown> }
}

export interface StartRunResponse {
  run_id: string
  instance_key: string
  trace_id: string
}

export interface RunSummary {
  run_id: string
  instance_key: string
  definition_name: string
  definition_version: string
  status: string
  run_number: number
  result?: unknown
  failure?: { error_code: string; error_message: string; status: string }
  continued_from_run_id?: string
  continued_to_run_id?: string
  [key: string]: unknown
}

export interface RunResult {
  run_id: string
  status: string
  result: unknown
  failure?: { error_code: string; error_message: string; status: string }
  continued_to_run_id?: string
  continued_from_run_id?: string
}

export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW']

export class RunNotTerminalError extends ContinuaApiError {}
export class RunWaitTimeoutError extends Error {
  override readonly name = 'RunWaitTimeoutError'
}
export class ContinuationDepthError extends Error {
  override readonly name = 'ContinuationDepthError'
}

export class EngineClient {
  private readonly http: HttpOptions
  private readonly projectId?: string

  constructor(options: EngineClientOptions = {}) {
    const apiKey = options.apiKey ?? process.env.CONTINUA_API_KEY
    this.http = {
      endpoint: (options.endpoint ?? defaultEndpoint()).replace(/\/+$/, ''),
      apiKey,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { maxRetries: options.maxRetries ?? 3, baseDelayMs: 250, maxDelayMs: 5000 },
      fetch: options.fetch,
    }
    this.projectId = options.projectId
  }

  private path(p: string): string {
    return this.projectId ? `${p}${p.includes('?') ? '&' : '?'}project_id=${encodeURIComponent(this.projectId)}` : p
  }

  private async call<T>(method: string, p: string, body?: unknown, retry = true): Promise<T> {
    return (await requestJson<T>(this.http, method, this.path(p), { body, retry })).body
  }

  /** Starts a run. Safe to retry: the server dedupes on requestKey. */
  start(req: StartRunRequest): Promise<StartRunResponse> {
    return this.call('POST', '/v1/engine/runs', {
      instance_key: req.instanceKey,
      definition_name: req.definitionName,
      definition_version: req.definitionVersion,
      request_key: req.requestKey ?? req.instanceKey,
      input: req.input ?? null,
      ...(req.session ? { session: req.session } : {}),
      ...(req.trace ? { trace: req.trace } : {}),
    })
  }

  getRun(runId: string): Promise<RunSummary> {
    return this.call('GET', `/v1/engine/runs/${enc(runId)}`)
  }
  getInstance(instanceKey: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/v1/engine/instances/${enc(instanceKey)}`)
  }
  listRuns(filter: { status?: string; definition_name?: string; instance_key?: string; limit?: number; cursor?: string } = {}): Promise<{ runs: RunSummary[]; next_cursor: string | null }> {
    const qs = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)] as [string, string])).toString()
    return this.call('GET', `/v1/engine/runs${qs ? `?${qs}` : ''}`)
  }
  health(): Promise<Record<string, unknown>> {
    return this.call('GET', '/v1/engine/health')
  }
  listDefinitions(): Promise<{ definitions: Array<Record<string, unknown>> }> {
    return this.call('GET', '/v1/engine/definitions')
  }

  /** The terminal result; throws RunNotTerminalError (409 run_not_terminal) while the run is live. */
  async result(runId: string): Promise<RunResult> {
    try {
      return await this.call('GET', `/v1/engine/runs/${enc(runId)}/result`)
    } catch (err) {
      if (err instanceof ContinuaApiError && err.code === 'run_not_terminal') throw new RunNotTerminalError(err.message, err.status, err.code, err.body, err.attempts)
      throw err
    }
  }

  history(runId: string, options: { after?: number; limit?: number } = {}): Promise<{ events: Array<{ sequence_no: number; event_type: string; payload: unknown; created_at: string }>; has_more: boolean; next_after?: number; expired: boolean }> {
    const qs = new URLSearchParams()
    if (options.after !== undefined) qs.set('after', String(options.after))
    if (options.limit !== undefined) qs.set('limit', String(options.limit))
    const q = qs.toString()
    return this.call('GET', `/v1/engine/runs/${enc(runId)}/history${q ? `?${q}` : ''}`)
  }

  pendingWork(runId: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/v1/engine/runs/${enc(runId)}/pending-work`)
  }
  // Without a request key a lost answer could deliver a signal twice, so only keyed signals are
  // retried: the server delivers a key once and replays its first answer.
  signal(runId: string, signalName: string, payload?: unknown, options: { requestKey?: string } = {}): Promise<{ run_id: string; accepted: boolean; [k: string]: unknown }> {
    const body = { signal_name: signalName, payload: payload ?? null, ...(options.requestKey ? { request_key: options.requestKey } : {}) }
    return this.call('POST', `/v1/engine/runs/${enc(runId)}/signal`, body, !!options.requestKey)
  }
  cancel(runId: string): Promise<Record<string, unknown>> {
    return this.call('POST', `/v1/engine/runs/${enc(runId)}/cancel`, {})
  }
  terminate(runId: string): Promise<RunResult> {
    return this.call('POST', `/v1/engine/runs/${enc(runId)}/terminate`, {})
  }
  suspend(runId: string): Promise<RunSummary> {
    return this.call('POST', `/v1/engine/runs/${enc(runId)}/suspend`, {})
  }
  resume(runId: string): Promise<RunSummary> {
    return this.call('POST', `/v1/engine/runs/${enc(runId)}/resume`, {})
  }

  /**
   * Polls until the run is terminal. With followContinuations (default) a run that continued as
   * new is followed to the run it continued into, up to maxContinuations hops.
   */
  async waitForTerminal(runId: string, options: { timeoutMs?: number; pollIntervalMs?: number; followContinuations?: boolean; maxContinuations?: number } = {}): Promise<RunSummary> {
    const timeoutMs = options.timeoutMs ?? 60_000
    const deadline = Date.now() + timeoutMs
    const follow = options.followContinuations ?? true
    const maxHops = options.maxContinuations ?? 32
    let current = runId
    let hops = 0
    for (;;) {
      const run = await this.getRun(current)
      if (run.status === 'CONTINUED_AS_NEW' && follow && run.continued_to_run_id) {
        if (++hops > maxHops) throw new ContinuationDepthError(`run ${runId} continued as new more than ${maxHops} times`)
        current = run.continued_to_run_id
        continue
      }
      if (TERMINAL_STATUSES.includes(run.status)) return run
      if (Date.now() >= deadline) throw new RunWaitTimeoutError(`run ${current} is still ${run.status} after ${timeoutMs} ms`)
      await sleep(options.pollIntervalMs ?? 250)
    }
  }
}

const enc = encodeURIComponent
