import { z } from 'zod'
import { AuthConfigResponse, ErrorBody, HealthResponse } from './common.js'
import { BatchStatusResponse, IngestRequest, IngestResponse } from './ingest.js'
import { ApiKeyList, ApiKeyWithSecret, CreateApiKeyRequest, CreateProjectRequest, Project, ProjectList, ProjectWithKey, UpdateProjectRequest } from './projects.js'
import { CompareQuery, Session, SessionCompare, SessionList, SessionListQuery, SessionNarrative } from './sessions.js'
import { UsageQuery, UsageResponse } from './stats.js'
import { SpanList, SpanListQuery, TimelineQuery, TimelineResponse, TraceDetail, TraceList, TraceListQuery } from './traces.js'

// /api/openapi.json, generated from the same zod schemas the server validates with. Every
// schema that carries `.meta({ id })` becomes a component; routes refer to them by id.

type Schema = z.ZodType
interface Route {
  method: 'get' | 'post' | 'patch' | 'delete'
  path: string
  summary: string
  tag: string
  query?: z.ZodObject
  pathParams?: string[]
  body?: Schema
  ok: { status: number; schema?: Schema; description: string; contentType?: string }
  errors: number[]
  public?: boolean
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request; the message names the parameter or field',
  401: 'Missing or invalid credentials',
  403: 'Not allowed for this caller, or project_id names another project',
  404: 'Not found (or in another project)',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported Content-Type or Content-Encoding',
  422: 'Too large to compare; details carry the counts and limits',
  503: 'Database unavailable',
}

const ROUTES: Route[] = [
  { method: 'get', path: '/api/health', summary: 'Liveness and database reachability', tag: 'Health', ok: { status: 200, schema: HealthResponse, description: 'Healthy' }, errors: [503], public: true },
  { method: 'get', path: '/api/auth/config', summary: 'Which authentication modes are active', tag: 'Health', ok: { status: 200, schema: AuthConfigResponse, description: 'Auth configuration' }, errors: [], public: true },
  { method: 'get', path: '/api/projects', summary: 'List projects visible to the caller', tag: 'Projects', ok: { status: 200, schema: ProjectList, description: 'Projects' }, errors: [401] },
  { method: 'post', path: '/api/projects', summary: 'Create a project and its first API key (operator)', tag: 'Projects', body: CreateProjectRequest, ok: { status: 201, schema: ProjectWithKey, description: 'Created' }, errors: [400, 401, 403] },
  { method: 'patch', path: '/api/projects/{id}', summary: 'Rename a project', tag: 'Projects', pathParams: ['id'], body: UpdateProjectRequest, ok: { status: 200, schema: Project, description: 'Renamed' }, errors: [400, 401, 404] },
  { method: 'delete', path: '/api/projects/{id}', summary: 'Delete a project and everything it owns (operator)', tag: 'Projects', pathParams: ['id'], ok: { status: 204, description: 'Deleted' }, errors: [401, 403, 404, 409] },
  { method: 'post', path: '/api/projects/{id}/rotate', summary: 'Revoke every key and issue a new one', tag: 'Projects', pathParams: ['id'], ok: { status: 200, schema: ProjectWithKey, description: 'New key' }, errors: [401, 404] },
  { method: 'get', path: '/api/projects/{id}/keys', summary: 'List API keys', tag: 'Projects', pathParams: ['id'], ok: { status: 200, schema: ApiKeyList, description: 'Keys' }, errors: [401, 404] },
  { method: 'post', path: '/api/projects/{id}/keys', summary: 'Create an API key', tag: 'Projects', pathParams: ['id'], body: CreateApiKeyRequest, ok: { status: 201, schema: ApiKeyWithSecret, description: 'Created' }, errors: [400, 401, 404] },
  { method: 'delete', path: '/api/projects/{id}/keys/{keyId}', summary: 'Revoke an API key', tag: 'Projects', pathParams: ['id', 'keyId'], ok: { status: 204, description: 'Revoked' }, errors: [401, 404] },
  { method: 'post', path: '/v1/ingest', summary: 'Ingest a batch of sessions, traces, spans and events', tag: 'Ingest', body: IngestRequest, ok: { status: 200, schema: IngestResponse, description: 'Processed (202 when accepted asynchronously)' }, errors: [400, 401, 409, 413] },
  {
    method: 'post', path: '/v1/traces', summary: 'OTLP/HTTP trace export: an ExportTraceServiceRequest as application/x-protobuf or application/json, optionally gzip/deflate (docs/opentelemetry.md)', tag: 'OpenTelemetry',
    ok: { status: 200, description: 'ExportTraceServiceResponse in the request encoding, with partial_success for rejected spans', contentType: 'application/x-protobuf' }, errors: [400, 401, 413, 415],
  },
  { method: 'get', path: '/v1/ingest/batches/{id}', summary: 'Status of an ingest batch', tag: 'Ingest', pathParams: ['id'], ok: { status: 200, schema: BatchStatusResponse, description: 'Batch status' }, errors: [401, 404] },
  { method: 'get', path: '/api/traces', summary: 'List traces', tag: 'Traces', query: TraceListQuery, ok: { status: 200, schema: TraceList, description: 'Traces' }, errors: [400, 401, 403] },
  { method: 'get', path: '/api/traces/{id}', summary: 'Get a trace', tag: 'Traces', pathParams: ['id'], ok: { status: 200, schema: TraceDetail, description: 'Trace detail' }, errors: [401, 403, 404] },
  { method: 'get', path: '/api/traces/{id}/spans', summary: 'All spans of a trace', tag: 'Traces', pathParams: ['id'], query: SpanListQuery, ok: { status: 200, schema: SpanList, description: 'Spans' }, errors: [401, 403, 404] },
  { method: 'get', path: '/api/traces/{id}/events', summary: 'Merged timeline, cursor-paged in change order', tag: 'Traces', pathParams: ['id'], query: TimelineQuery, ok: { status: 200, schema: TimelineResponse, description: 'Timeline page' }, errors: [400, 401, 403, 404] },
  {
    method: 'get', path: '/api/traces/{id}/stream', summary: 'Live changes as Server-Sent Events (ready, trace, span, event)', tag: 'Traces', pathParams: ['id'],
    query: z.object({ project_id: z.string().optional(), after: z.string().optional().describe('change_seq or timeline cursor to resume after; Last-Event-ID wins') }),
    ok: { status: 200, description: 'text/event-stream', contentType: 'text/event-stream' }, errors: [400, 401, 403, 404],
  },
  {
    method: 'get', path: '/api/changes/stream', summary: "Change notices of the caller's project as Server-Sent Events (ready {live}, change): re-read lists instead of polling", tag: 'Traces',
    query: z.object({ project_id: z.string().optional() }),
    ok: { status: 200, description: 'text/event-stream', contentType: 'text/event-stream' }, errors: [400, 401, 403],
  },
  { method: 'get', path: '/api/stats/usage', summary: 'Traces, failures, tokens and cost per UTC hour or day', tag: 'Traces', query: UsageQuery, ok: { status: 200, schema: UsageResponse, description: 'Usage per bucket' }, errors: [400, 401, 403] },
  { method: 'get', path: '/api/sessions', summary: 'List sessions', tag: 'Sessions', query: SessionListQuery, ok: { status: 200, schema: SessionList, description: 'Sessions' }, errors: [400, 401, 403] },
  { method: 'get', path: '/api/sessions/{id}', summary: 'Get a session', tag: 'Sessions', pathParams: ['id'], ok: { status: 200, schema: Session, description: 'Session' }, errors: [401, 403, 404] },
  { method: 'get', path: '/api/sessions/{id}/narrative', summary: 'Deterministic session narrative', tag: 'Sessions', pathParams: ['id'], ok: { status: 200, schema: SessionNarrative, description: 'Narrative' }, errors: [401, 403, 404] },
  { method: 'get', path: '/api/sessions/{id}/compare', summary: 'Compare two finished traces of a session', tag: 'Sessions', pathParams: ['id'], query: CompareQuery, ok: { status: 200, schema: SessionCompare, description: 'Comparison' }, errors: [400, 401, 403, 404, 422] },
]

const ref = (schema: Schema): object => {
  const id = z.globalRegistry.get(schema)?.id
  if (id) return { $ref: `#/components/schemas/${id}` }
  return strip(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'output' }) as Record<string, unknown>)
}

function strip(s: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = s
  return rest
}

function queryParameters(query: z.ZodObject): object[] {
  const json = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, object>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema,
  }))
}

let cached: object | undefined

export function openApiDocument(version: string): object {
  if (cached) return cached
  const components = z.toJSONSchema(z.globalRegistry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any', io: 'output' }) as {
    schemas: Record<string, Record<string, unknown>>
  }
  const paths: Record<string, Record<string, object>> = {}
  for (const r of ROUTES) {
    const responses: Record<string, object> = {
      [r.ok.status]: r.ok.schema
        ? { description: r.ok.description, content: { 'application/json': { schema: ref(r.ok.schema) } } }
        : { description: r.ok.description, ...(r.ok.contentType ? { content: { [r.ok.contentType]: { schema: { type: 'string' } } } } : {}) },
    }
    for (const code of r.errors) responses[code] = { description: ERROR_TEXT[code], content: { 'application/json': { schema: ref(ErrorBody) } } }
    const parameters = [
      ...(r.pathParams ?? []).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...(r.query ? queryParameters(r.query) : []),
    ]
    ;(paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(r.body) } } } } : {}),
      responses,
      ...(r.public ? { security: [] } : {}),
    }
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'Continua API', version, description: 'Generated from the zod schemas the server validates with.' },
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).map(([k, v]) => [k, strip(v)])),
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key, or the admin token (operator)' },
      },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
    paths,
  }
  return cached
}
