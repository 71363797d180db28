import type { z } from 'zod'
import { AuthConfigResponse, type ErrorBody } from '../../../src/contract/common.js'
import { ProjectList, type ApiKey, type ApiKeyWithSecret, type Project, type ProjectWithKey } from '../../../src/contract/projects.js'
import { Session, SessionCompare, type SessionList, type SessionNarrative } from '../../../src/contract/sessions.js'
import type { EngineBackfillRequest, EnginePurgeRequest } from '../../../src/contract/engine.js'
import type { UsageResponse } from '../../../src/contract/stats.js'
import { TraceDetail, type Span, type TimelineResponse, type TraceList } from '../../../src/contract/traces.js'
import { currentProject } from './router.js'

// The one API client. Types come from the zod contracts the server validates with; credentials
// (API key, admin token or OIDC token) come from local storage; the selected project is added
// to scoped reads. 401/403 answers are published so the shell can show a banner.

export type { Project, Session, Span, TimelineResponse, TraceDetail }
export type Trace = TraceList['traces'][number]
export type TimelineEvent = TimelineResponse['events'][number]

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

const KEY_STORAGE = 'continua_api_key'
const TOKEN_STORAGE = 'continua_oidc_token'

export const credentials = {
  apiKey: () => localStorage.getItem(KEY_STORAGE) ?? '',
  setApiKey(v: string) {
    if (v) localStorage.setItem(KEY_STORAGE, v)
    else localStorage.removeItem(KEY_STORAGE)
    authListeners.forEach((fn) => fn())
  },
  oidcToken: () => localStorage.getItem(TOKEN_STORAGE) ?? '',
  setOidcToken(v: string) {
    if (v) localStorage.setItem(TOKEN_STORAGE, v)
    else localStorage.removeItem(TOKEN_STORAGE)
    authListeners.forEach((fn) => fn())
  },
}

const PROJECT_KEYS_STORAGE = 'continua_project_api_keys'

/** API keys this browser has seen for projects (created or rotated here), to switch between them. */
export const projectKeys = {
  all(): Record<string, { name: string; key: string }> {
    try {
      return JSON.parse(localStorage.getItem(PROJECT_KEYS_STORAGE) ?? '{}') as Record<string, { name: string; key: string }>
    } catch {
      return {}
    }
  },
  remember(projectId: string, name: string, key: string) {
    localStorage.setItem(PROJECT_KEYS_STORAGE, JSON.stringify({ ...projectKeys.all(), [projectId]: { name, key } }))
  },
  forget(projectId: string) {
    const all = projectKeys.all()
    delete all[projectId]
    localStorage.setItem(PROJECT_KEYS_STORAGE, JSON.stringify(all))
  },
}

let lastAuthError: ApiError | undefined
const authListeners = new Set<() => void>()
export function onAuthChange(fn: () => void): () => void {
  authListeners.add(fn)
  return () => authListeners.delete(fn)
}
export function authError(): ApiError | undefined {
  return lastAuthError
}
function publishAuth(err: ApiError | undefined) {
  if (err?.code === lastAuthError?.code && err?.message === lastAuthError?.message) return
  lastAuthError = err
  authListeners.forEach((fn) => fn())
}

/**
 * Whatever was pasted (project API key, admin token or a JWT) goes as a bearer: the server tells
 * them apart (admin token, then a JWT for OIDC, else an API key).
 */
export function authHeaders(): Record<string, string> {
  const secret = credentials.apiKey() || credentials.oidcToken()
  return secret ? { Authorization: `Bearer ${secret}` } : {}
}

export interface RequestOptions {
  method?: string
  body?: unknown
  query?: Record<string, string | number | boolean | string[] | undefined>
  /** Adds ?project_id= of the selected project (default true). */
  scoped?: boolean
  signal?: AbortSignal
}

export function apiUrl(path: string, options: Pick<RequestOptions, 'query' | 'scoped'> = {}): string {
  const params = new URLSearchParams()
  const project = options.scoped === false ? undefined : currentProject()
  if (project) params.set('project_id', project)
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (Array.isArray(v)) v.forEach((item) => params.append(k, item))
    else if (v !== undefined && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  return path + (qs ? (path.includes('?') ? '&' : '?') + qs : '')
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(apiUrl(path, options), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  })
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = text
  }
  if (!res.ok) {
    const e = (body && typeof body === 'object' ? body : {}) as Partial<ErrorBody>
    const err = new ApiError(res.status, e.code ?? `http_${res.status}`, e.message ?? `Request failed with HTTP ${res.status}`, e.details)
    if (res.status === 401 || (res.status === 403 && err.code !== 'demo_read_only' && err.code !== 'project_scope_mismatch')) publishAuth(err)
    throw err
  }
  if (res.status === 401 || res.status === 403) return body as T
  if (lastAuthError && !path.startsWith('/api/auth')) publishAuth(undefined)
  return body as T
}

// --- engine responses (the engine routes build these shapes by hand; typed here) --------------

export interface RunSummary {
  run_id: string
  instance_id: string
  instance_key: string
  definition_name: string
  definition_version: string
  projection_state: string
  status: string
  run_number: number
  pending_work: { pending_activity_tasks: number; pending_inbox_items: number }
  root_run_id: string
  child_depth: number
  created_at: string
  updated_at: string
  completed_at?: string
  wait_state?: unknown
  custom_status?: unknown
  parent_run_id?: string
  child_key?: string
  continued_from_run_id?: string
  continued_to_run_id?: string
  result?: unknown
  failure?: { error_code: string; error_message: string; status: string }
}
export interface HistoryEvent {
  id: string
  sequence_no: number
  event_type: string
  payload: unknown
  created_at: string
}
export interface PendingWork {
  run_id: string
  current_wait: unknown
  activities: Array<{ task_id: string; activity_key: string; activity_type: string; status: string; available_at: string; attempt_count: number; execution_target: string; claimed_by?: string }>
  timers: Array<{ inbox_id: string; timer_key: string; status: string; available_at: string }>
  signals: Array<{ inbox_id: string; signal_name: string; status: string; available_at: string }>
  pending_activity_tasks: number
  pending_inbox_items: number
}
export interface Definition {
  definition_name: string
  definition_version: string
  enabled: boolean
  /** A worker that registered it sent a heartbeat recently. */
  live: boolean
  runtime_published_at: string
  published_at: string
}

export type PurgeRequest = z.input<typeof EnginePurgeRequest>
export type BackfillRequest = z.input<typeof EngineBackfillRequest>
export interface PurgeResult {
  run_id: string
  mode: PurgeRequest['mode']
  projection_state: string
  deleted: boolean
}
export interface RepairResult {
  run_id: string
  accepted: boolean
  reason: string
  projection_state: string
}
export interface BackfillResult {
  dry_run: boolean
  limit: number
  eligible_count: number
  repair_requested_count: number
  skipped_count: number
  results: Array<{ run_id: string; trace_id: string; projection_state: string; action: 'would_repair' | 'repair_requested' | 'skipped'; reason?: string }>
}
export interface EngineHealth {
  generated_at: string
  queues: { runs_ready: number; activity_tasks_pending: number; inbox_pending: number }
  workers: Array<{ id: string; last_claim_at: string; active_leases: number; expired_leases: number; status: string }>
}

export type AuthConfig = AuthConfigResponse

/**
 * Checks a response against the zod contract the server validates with. A mismatch means the
 * client and server drifted: it is reported in the console and the data is used as it came.
 */
function checked<S extends z.ZodType>(schema: S, what: string) {
  return (data: unknown): z.infer<S> => {
    const r = schema.safeParse(data)
    if (!r.success) console.warn(`Continua: ${what} does not match its contract`, r.error.issues.slice(0, 3))
    return data as z.infer<S>
  }
}

export const api = {
  authConfig: () => request<unknown>('/api/auth/config', { scoped: false }).then(checked(AuthConfigResponse, 'auth config')),
  projects: () => request<unknown>('/api/projects', { scoped: false }).then(checked(ProjectList, 'project list')),
  createProject: (name: string) => request<ProjectWithKey>('/api/projects', { method: 'POST', body: { name }, scoped: false }),
  renameProject: (id: string, name: string) => request<Project>(`/api/projects/${id}`, { method: 'PATCH', body: { name }, scoped: false }),
  deleteProject: (id: string) => request<void>(`/api/projects/${id}`, { method: 'DELETE', scoped: false }),
  rotateProject: (id: string) => request<ProjectWithKey>(`/api/projects/${id}/rotate`, { method: 'POST', scoped: false }),
  keys: (id: string) => request<{ keys: ApiKey[] }>(`/api/projects/${id}/keys`, { scoped: false }),
  createKey: (id: string, name: string) => request<ApiKeyWithSecret>(`/api/projects/${id}/keys`, { method: 'POST', body: { name }, scoped: false }),
  revokeKey: (id: string, keyId: string) => request<void>(`/api/projects/${id}/keys/${keyId}`, { method: 'DELETE', scoped: false }),

  traces: (query: Record<string, string | string[] | undefined>, signal?: AbortSignal) => request<TraceList>('/api/traces', { query, signal }),
  trace: (id: string) => request<unknown>(`/api/traces/${id}`).then(checked(TraceDetail, 'trace')),
  spans: (id: string, payloads: boolean) => request<{ spans: Span[]; high_water?: number }>(`/api/traces/${id}/spans`, { query: { include_payloads: payloads } }),
  events: (id: string, after?: string) => request<TimelineResponse>(`/api/traces/${id}/events`, { query: { after, limit: 500 } }),
  payload: (traceId: string, kind: 'trace' | 'span' | 'event', ownerId: string, field: string) =>
    request<unknown>(`/api/traces/${traceId}/payloads/${kind}/${ownerId}/${field}`),

  usage: (bucket: 'hour' | 'day') => request<UsageResponse>('/api/stats/usage', { query: { bucket } }),

  sessions: (query: Record<string, string | undefined>) => request<SessionList>('/api/sessions', { query }),
  session: (id: string) => request<unknown>(`/api/sessions/${id}`).then(checked(Session, 'session')),
  narrative: (id: string) => request<SessionNarrative>(`/api/sessions/${id}/narrative`),
  compare: (id: string, baseline: string, candidate: string) =>
    request<unknown>(`/api/sessions/${id}/compare`, { query: { baseline_trace_id: baseline, candidate_trace_id: candidate } }).then(checked(SessionCompare, 'comparison')),

  runs: (query: Record<string, string | undefined>) => request<{ runs: RunSummary[]; next_cursor: string | null }>('/v1/engine/runs', { query }),
  run: (id: string) => request<RunSummary>(`/v1/engine/runs/${id}`),
  history: (id: string, after = 0) => request<{ events: HistoryEvent[]; has_more: boolean; expired: boolean; next_after?: number }>(`/v1/engine/runs/${id}/history`, { query: { after, limit: 200 } }),
  pendingWork: (id: string) => request<PendingWork>(`/v1/engine/runs/${id}/pending-work`),
  definitions: () => request<{ definitions: Definition[] }>('/v1/engine/definitions'),
  instance: (key: string) => request<{ instance_key: string; status: string; current_run: RunSummary | null }>(`/v1/engine/instances/${encodeURIComponent(key)}`),
  startRun: (body: Record<string, unknown>) => request<{ run_id: string; instance_key: string; trace_id?: string }>('/v1/engine/runs', { method: 'POST', body }),
  control: (id: string, action: 'signal' | 'cancel' | 'terminate' | 'suspend' | 'resume', body?: unknown) =>
    request<Record<string, unknown>>(`/v1/engine/runs/${id}/${action}`, { method: 'POST', body: body ?? {} }),
  purge: (id: string, body: PurgeRequest) => request<PurgeResult>(`/v1/engine/runs/${id}/purge`, { method: 'POST', body }),
  repair: (id: string) => request<RepairResult>(`/v1/engine/runs/${id}/repair`, { method: 'POST', body: {} }),
  backfill: (body: BackfillRequest) => request<BackfillResult>('/v1/engine/projections/backfill', { method: 'POST', body }),
  engineHealth: () => request<EngineHealth>('/v1/engine/health'),
}

export type { SessionCompare, SessionNarrative, UsageResponse }
