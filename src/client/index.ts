import type { ControlResponse, DefinitionList, InstanceInfo, PendingWork, RunHistoryPage, RunList, RunResult, RunSummary, StartRunResponse } from '../contract/runs.js'
import type { Session, SessionCompare, SessionList } from '../contract/sessions.js'
import type { Span, TimelineEvent, TimelineResponse, Trace, TraceDetail, TraceList } from '../contract/traces.js'
import { ContinuaError, isContinuaError } from '../errors.js'
import { createHttp, type Http, type SseMessage } from './http.js'
import type { ApiTarget } from './target.js'

// The typed REST client of the CLI and TUI: one object, one sub-client per resource. Types come
// from the zod contracts (type-only imports, so zod is not loaded for them).

export { resolveApiTarget, type ApiTarget } from './target.js'

export interface RunFilter {
  status?: string
  definition?: string
  instanceKey?: string
  limit?: number
  cursor?: string
}

export type TraceStreamMessage = { kind: 'trace'; trace: Trace } | { kind: 'span'; span: Span } | { kind: 'event'; event: TimelineEvent } | { kind: 'ready' }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const enc = encodeURIComponent

export class ContinuaClient {
  readonly runs: RunsClient
  readonly traces: TracesClient
  readonly sessions: SessionsClient
  constructor(readonly http: Http) {
    this.runs = new RunsClient(http)
    this.traces = new TracesClient(http)
    this.sessions = new SessionsClient(http)
  }

  /**
   * Change notices of the caller's project (GET /api/changes/stream): `ready` says whether the
   * server is listening (live) or the client should keep polling; `change` means re-read.
   */
  async *changes(signal: AbortSignal, projectId?: string): AsyncGenerator<{ kind: 'ready'; live: boolean } | { kind: 'change' }> {
    for await (const m of this.http.events('/api/changes/stream', { signal, query: { project_id: projectId } })) {
      if (m.event === 'ready') yield { kind: 'ready', live: (JSON.parse(m.data) as { live?: boolean }).live === true }
      else if (m.event === 'change') yield { kind: 'change' }
    }
  }

  /** Drops open connections (streams included), so a long-running command can end promptly. */
  close(): Promise<void> {
    return this.http.close()
  }
}

export function createClient(target: ApiTarget): ContinuaClient {
  return new ContinuaClient(createHttp(target))
}

export class RunsClient {
  constructor(private readonly http: Http) {}

  list(f: RunFilter = {}): Promise<RunList> {
    return this.http.call('GET', '/v1/engine/runs', { query: { status: f.status, definition_name: f.definition, instance_key: f.instanceKey, limit: f.limit, cursor: f.cursor } })
  }
  get(runId: string): Promise<RunSummary> {
    return this.http.call('GET', `/v1/engine/runs/${enc(runId)}`)
  }
  /** A run named by id, or the current run of an instance key. */
  async resolve(ref: { runId?: string; instanceKey?: string }): Promise<RunSummary> {
    if (ref.runId) return this.get(ref.runId)
    if (!ref.instanceKey) throw new ContinuaError('invalid_request', 'Name a run: give its id or --instance-key')
    const inst = await this.http.call<InstanceInfo>('GET', `/v1/engine/instances/${enc(ref.instanceKey)}`)
    if (!inst.current_run) throw new ContinuaError('run_not_found', `Instance ${ref.instanceKey} has no run`)
    return inst.current_run
  }
  history(runId: string, after = 0, limit = 100): Promise<RunHistoryPage> {
    return this.http.call('GET', `/v1/engine/runs/${enc(runId)}/history`, { query: { after, limit } })
  }
  pendingWork(runId: string): Promise<PendingWork> {
    return this.http.call('GET', `/v1/engine/runs/${enc(runId)}/pending-work`)
  }
  result(runId: string): Promise<RunResult> {
    return this.http.call('GET', `/v1/engine/runs/${enc(runId)}/result`)
  }
  children(runId: string): Promise<RunList> {
    return this.http.call('GET', '/v1/engine/runs', { query: { parent_run_id: runId, limit: 200 } })
  }
  definitions(): Promise<DefinitionList> {
    return this.http.call('GET', '/v1/engine/definitions')
  }
  start(body: { definition_name: string; definition_version: string; instance_key: string; request_key: string; input?: unknown }): Promise<StartRunResponse> {
    return this.http.call('POST', '/v1/engine/runs', { body })
  }
  signal(runId: string, name: string, payload: unknown, requestKey?: string): Promise<ControlResponse> {
    return this.http.call('POST', `/v1/engine/runs/${enc(runId)}/signal`, { body: { signal_name: name, payload, request_key: requestKey } })
  }
  cancel(runId: string): Promise<ControlResponse> {
    return this.http.call('POST', `/v1/engine/runs/${enc(runId)}/cancel`)
  }
  terminate(runId: string, reason?: string): Promise<RunResult> {
    return this.http.call('POST', `/v1/engine/runs/${enc(runId)}/terminate`, { body: reason ? { reason } : {} })
  }
  suspend(runId: string): Promise<RunSummary> {
    return this.http.call('POST', `/v1/engine/runs/${enc(runId)}/suspend`)
  }
  resume(runId: string): Promise<RunSummary> {
    return this.http.call('POST', `/v1/engine/runs/${enc(runId)}/resume`)
  }
}

export class TracesClient {
  constructor(private readonly http: Http) {}

  list(query: { limit?: number; cursor?: string; q?: string; status?: string; session_id?: string; has_errors?: boolean; start_time_from?: string } = {}): Promise<TraceList> {
    return this.http.call('GET', '/api/traces', { query })
  }
  get(id: string): Promise<TraceDetail> {
    return this.http.call('GET', `/api/traces/${enc(id)}`)
  }
  /** A trace by its UUID, its external trace id, or the id of the engine run it records. */
  async resolve(ref: string): Promise<TraceDetail> {
    if (UUID.test(ref)) {
      try {
        return await this.get(ref)
      } catch (err) {
        if (!isContinuaError(err) || err.exitCode !== 3) throw err
      }
    }
    const external = UUID.test(ref) ? `engine:${ref.toLowerCase()}` : ref
    const found = await this.list({ q: external, limit: 20 })
    const hit = found.traces.find((t) => t.trace_id === external)
    if (!hit) throw new ContinuaError('trace_not_found', `No trace or run ${ref.slice(0, 80)} found`)
    return this.get(hit.id)
  }
  async spans(id: string, payloads = true): Promise<Span[]> {
    return (await this.http.call<{ spans: Span[] }>('GET', `/api/traces/${enc(id)}/spans`, { query: { include_payloads: payloads } })).spans
  }
  /** The span tree without payloads, and the trace's change high-water mark read with it (resume a stream there). */
  async spanTree(id: string): Promise<{ spans: Span[]; highWater: number }> {
    const r = await this.http.call<{ spans: Span[]; high_water?: number }>('GET', `/api/traces/${enc(id)}/spans`, { query: { include_payloads: false } })
    return { spans: r.spans, highWater: r.high_water ?? 0 }
  }
  events(id: string, after?: string, limit = 500): Promise<TimelineResponse> {
    return this.http.call('GET', `/api/traces/${enc(id)}/events`, { query: { after, limit } })
  }
  async allEvents(id: string): Promise<TimelineEvent[]> {
    const out: TimelineEvent[] = []
    let after: string | undefined
    for (let page = 0; page < 200; page++) {
      const res = await this.events(id, after)
      out.push(...res.events)
      if (!res.has_more || !res.next_cursor) break
      after = res.next_cursor
    }
    return out
  }
  /** Live changes of one trace; `after` is a change_seq (omit: from now). */
  async *stream(id: string, signal: AbortSignal, after?: number): AsyncGenerator<TraceStreamMessage> {
    for await (const m of this.http.events(`/api/traces/${enc(id)}/stream`, { signal, query: { after } })) {
      const parsed = streamMessage(m)
      if (parsed) yield parsed
    }
  }
  compare(sessionId: string, baseline: string, candidate: string): Promise<SessionCompare> {
    return this.http.call('GET', `/api/sessions/${enc(sessionId)}/compare`, { query: { baseline_trace_id: baseline, candidate_trace_id: candidate } })
  }
}

export class SessionsClient {
  constructor(private readonly http: Http) {}
  list(query: { limit?: number; offset?: number; q?: string; user_id?: string; sort_by?: string; sort_dir?: string } = {}): Promise<SessionList> {
    return this.http.call('GET', '/api/sessions', { query })
  }
  get(id: string): Promise<Session> {
    return this.http.call('GET', `/api/sessions/${enc(id)}`)
  }
}

function streamMessage(m: SseMessage): TraceStreamMessage | undefined {
  if (m.event === 'ready') return { kind: 'ready' }
  const data = JSON.parse(m.data) as unknown
  if (m.event === 'trace') return { kind: 'trace', trace: data as Trace }
  if (m.event === 'span') return { kind: 'span', span: data as Span }
  if (m.event === 'event') return { kind: 'event', event: data as TimelineEvent }
  return undefined
}
