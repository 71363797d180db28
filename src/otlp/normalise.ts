import { createHash } from 'node:crypto'
import { IngestEvent, IngestSession, IngestSpan, IngestTrace, type IngestRequest } from '../contract/ingest.js'
import { formatIssuePath } from '../contract/validate.js'
import { firstString } from './attributes.js'
import { spanEvents } from './events.js'
import { agent, conventionMetadata, cost, MODEL_KEYS, provider, requestParams, sessionAndUser, spanType, tool, toolDefinitions, usage } from './genai.js'
import { extractInput, extractOutput, toolCallIds } from './messages.js'
import { SPAN_KIND_NAMES, spanProblems, type OtlpSpan } from './model.js'
import { withPendingResolved } from './pending.js'
import { nanosToIso } from './time.js'

// Decoded OTLP spans → one /v1/ingest batch. Every span is checked on its own against the ingest
// contract, so a bad one is reported (OTLP partial success) and the rest go through. The batch
// key is a hash of the normalised content: an exporter retrying the same spans, in whatever
// encoding or compression, produces the same key and is answered as a duplicate.

export interface NormalisedBatch {
  request: IngestRequest
  /** Hex SHA-256 of the normalised content; also the batch key's suffix. */
  contentHash: string
  rejectedSpans: number
  /** One line per rejected span or dropped item. */
  problems: string[]
}

const MAX_NAME = 1024
const INFERENCE_TYPES = new Set<string>(['llm', 'embedding', 'generation'])

export function normaliseSpans(decoded: OtlpSpan[]): NormalisedBatch {
  const problems: string[] = []
  const { spans, dropped } = withPendingResolved(decoded)
  if (dropped) problems.push(`${dropped} Logfire pending span(s) without a parent ignored`)
  let rejectedSpans = 0
  // The last copy of a (trace, span) pair in one request wins.
  const byKey = new Map<string, { span: OtlpSpan; row: IngestSpan; events: IngestEvent[] }>()

  for (const span of spans) {
    const issues = spanProblems(span)
    if (issues.length) {
      rejectedSpans++
      problems.push(issues.join('; '))
      continue
    }
    const row = spanRow(span)
    const checked = IngestSpan.safeParse(row)
    if (!checked.success) {
      rejectedSpans++
      const issue = checked.error.issues[0]!
      problems.push(`span ${span.spanId}: ${formatIssuePath(issue.path) || 'span'}: ${issue.message}`)
      continue
    }
    const events: IngestEvent[] = []
    for (const event of spanEvents(span)) {
      const ok = IngestEvent.safeParse(event)
      if (ok.success) events.push(event)
      else problems.push(`span ${span.spanId}: event ${event.sequence} dropped: ${ok.error.issues[0]!.message}`)
    }
    byKey.set(`${span.traceId}/${span.spanId}`, { span, row, events })
  }

  const kept = [...byKey.values()]
  const { traces, sessions } = traceAndSessionRows(kept.map((k) => ({ span: k.span, row: k.row })), problems)
  const body = {
    sessions,
    traces,
    spans: kept.map((k) => k.row),
    events: kept.flatMap((k) => k.events),
  }
  const contentHash = createHash('sha256').update(JSON.stringify(body)).digest('hex')
  const request: IngestRequest = { batch_key: `otlp:${contentHash}`, ...body }
  return { request, contentHash, rejectedSpans, problems }
}

function spanRow(span: OtlpSpan): IngestSpan {
  const a = span.attributes
  const { type, source: typeSource } = spanType(a, span.name)
  const isTool = type === 'tool'
  const input = extractInput(a, span.events, isTool)
  const output = extractOutput(a, span.events, isTool)
  const errorType = firstString(a, ['error.type'])
  const failed = span.status.code === 2 || (errorType !== undefined && span.status.code !== 1)
  const ended = span.endTimeUnixNano > 0n
  const end = ended && span.endTimeUnixNano < span.startTimeUnixNano ? span.startTimeUnixNano : span.endTimeUnixNano
  const exception = span.events.find((e) => e.name === 'exception')
  const statusMessage = span.status.message || errorType || (failed ? firstString(exception?.attributes ?? {}, ['exception.message']) : undefined)
  const model = firstString(a, MODEL_KEYS)
  const prov = provider(a)
  const totalCost = cost(a)

  const metadata = spanMetadata(span, type, { type: typeSource, input: input?.source, output: output?.source }, output?.value, errorType)

  const row: IngestSpan = {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId || null,
    name: span.name.slice(0, MAX_NAME),
    type,
    status: failed ? 'failed' : ended ? 'completed' : 'running',
    level: failed ? 'error' : 'default',
    start_time: nanosToIso(span.startTimeUnixNano),
    end_time: ended ? nanosToIso(end) : null,
    metadata,
    otel: otelEnvelope(span, end, { [input?.source ?? '']: 'input', [output?.source ?? '']: 'output' }),
  }
  // Wrapper spans (Vercel's ai.generateText, invoke_agent) repeat their children's usage; only
  // inference spans get the token/cost columns, so trace totals do not count a call twice.
  const tokens = usage(a)
  if (INFERENCE_TYPES.has(type)) Object.assign(row, tokens)
  else if (Object.keys(tokens).length) metadata.usage = tokens
  if (statusMessage) row.status_message = statusMessage.slice(0, 65536)
  if (input) row.input = input.value
  if (output) row.output = output.value
  if (model) row.model = model.slice(0, 256)
  if (prov) row.provider = prov.slice(0, 256)
  if (totalCost !== undefined) {
    if (INFERENCE_TYPES.has(type)) row.total_cost = totalCost
    else metadata.cost = totalCost
  }
  return row
}

/** The GenAI facts without a column of their own, and which attributes the mapping used. */
function spanMetadata(
  span: OtlpSpan,
  type: string,
  mapping: { type: string; input?: string; output?: string },
  output: unknown,
  errorType: string | undefined,
): Record<string, unknown> {
  const a = span.attributes
  const metadata: Record<string, unknown> = { ...conventionMetadata(a) }
  const service = firstString(span.resource.attributes, ['service.name'])
  if (service) metadata.service_name = service
  const op = firstString(a, ['gen_ai.operation.name'])
  if (op) metadata.operation = op
  const toolInfo = tool(a)
  if (toolInfo) metadata.tool = toolInfo
  const agentInfo = agent(a)
  if (agentInfo) metadata.agent = agentInfo
  const params = requestParams(a)
  if (params) metadata.request = params
  const responseId = firstString(a, ['gen_ai.response.id', 'ai.response.id'])
  if (responseId) metadata.response_id = responseId
  const finish = a['gen_ai.response.finish_reasons'] ?? a['ai.response.finishReason']
  if (finish !== undefined && finish !== null) metadata.finish_reasons = finish
  if (errorType) metadata.error_type = errorType
  const definitions = toolDefinitions(a)
  if (definitions !== undefined) metadata.tool_definitions = definitions
  const ttft = a['gen_ai.response.time_to_first_chunk']
  if (typeof ttft === 'number') metadata.time_to_first_chunk_s = ttft
  const calls = type === 'llm' && output !== undefined ? toolCallIds(output) : []
  if (calls.length) metadata.tool_call_ids = calls
  const { sessionId, userId } = sessionAndUser(a, span.resource.attributes)
  if (sessionId) metadata.session_id = sessionId
  if (userId) metadata.user_id = userId
  metadata.otel_mapping = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined))
  return metadata
}

/** Attribute strings this long that became the span's input or output are not stored twice. */
const MOVED_ATTRIBUTE_BYTES = 16 * 1024

/**
 * Everything OTLP said about the span, unchanged, except that a large attribute that became the
 * span's input or output is replaced by a marker (the value lives on in that column, whose full
 * original the write path keeps if it truncates).
 */
function otelEnvelope(span: OtlpSpan, clampedEnd: bigint, carriers: Record<string, 'input' | 'output'>): Record<string, unknown> {
  let attributes = span.attributes
  const moved: Record<string, string> = {}
  for (const [key, column] of Object.entries(carriers)) {
    const value = attributes[key]
    if (typeof value === 'string' && Buffer.byteLength(value) > MOVED_ATTRIBUTE_BYTES) {
      if (attributes === span.attributes) attributes = { ...attributes }
      attributes[key] = `[moved to span ${column}: ${Buffer.byteLength(value)} bytes]`
      moved[key] = column
    }
  }
  const envelope: Record<string, unknown> = {
    kind: SPAN_KIND_NAMES[span.kind] ?? 'unspecified',
    start_time_unix_nano: span.startTimeUnixNano.toString(),
    end_time_unix_nano: span.endTimeUnixNano.toString(),
    status: { code: span.status.code, message: span.status.message },
    attributes,
    resource: { attributes: span.resource.attributes, schema_url: span.resource.schemaUrl },
    scope: { name: span.scope.name, version: span.scope.version, attributes: span.scope.attributes, schema_url: span.scope.schemaUrl },
    links: span.links.map((l) => ({
      trace_id: l.traceId,
      span_id: l.spanId,
      trace_state: l.traceState,
      attributes: l.attributes,
      flags: l.flags,
      dropped_attributes_count: l.droppedAttributesCount,
    })),
    flags: span.flags,
    trace_state: span.traceState,
    dropped_attributes_count: span.droppedAttributesCount,
    dropped_events_count: span.droppedEventsCount,
    dropped_links_count: span.droppedLinksCount,
  }
  if (span.resource.droppedAttributesCount) (envelope.resource as Record<string, unknown>).dropped_attributes_count = span.resource.droppedAttributesCount
  if (clampedEnd !== span.endTimeUnixNano) envelope.end_clamped_to_start = true
  if (Object.keys(moved).length) envelope.moved_attributes = moved
  return envelope
}

/**
 * Trace rows for traces whose root span is in the batch (name, times, environment) or whose
 * spans name a session or user; session rows for every session named.
 */
function traceAndSessionRows(kept: Array<{ span: OtlpSpan; row: IngestSpan }>, problems: string[]) {
  const traces = new Map<string, IngestTrace>()
  const sessions = new Map<string, IngestSession>()
  const sessionNames = new Map<string, string>()
  const userNames = new Map<string, string>()
  for (const { span, row } of kept) {
    const meta = row.metadata as { session_id?: string; user_id?: string }
    const isRoot = !span.parentSpanId
    if (!isRoot && !meta.session_id && !meta.user_id && !span.attributes['gen_ai.workflow.name']) continue
    const trace: IngestTrace = traces.get(span.traceId) ?? { trace_id: span.traceId }
    const workflow = firstString(span.attributes, ['gen_ai.workflow.name'])
    if (workflow) trace.name = workflow.slice(0, MAX_NAME)
    if (isRoot) {
      if (!trace.name) trace.name = row.name
      trace.start_time = row.start_time
      if (row.end_time) trace.end_time = row.end_time
      if (row.input !== undefined) trace.input = row.input
      if (row.output !== undefined) trace.output = row.output
      const r = span.resource.attributes
      const environment = firstString(r, ['deployment.environment.name', 'deployment.environment'])
      const release = firstString(r, ['service.version'])
      if (environment) trace.environment = environment.slice(0, 256)
      if (release) trace.release = release.slice(0, 256)
      const service = firstString(r, ['service.name'])
      if (service) trace.metadata = { service_name: service }
    }
    // The root's session and user win; otherwise the first span that names one.
    if (meta.session_id && (isRoot || !trace.session_id)) trace.session_id = meta.session_id
    if (meta.user_id && (isRoot || !trace.user_id)) trace.user_id = meta.user_id
    const sessionName = firstString(span.attributes, ['continua.session.name', 'session.name'])
    if (sessionName && !sessionNames.has(span.traceId)) sessionNames.set(span.traceId, sessionName)
    const userName = firstString(span.attributes, ['continua.user.name', 'user.full_name', 'user.name'])
    if (userName && !userNames.has(span.traceId)) userNames.set(span.traceId, userName)
    traces.set(span.traceId, trace)
  }
  for (const trace of traces.values()) {
    if (trace.session_id !== undefined && !IngestSession.safeParse({ session_id: trace.session_id }).success) {
      problems.push(`trace ${trace.trace_id}: session id ignored (empty or longer than 512 characters)`)
      delete trace.session_id
    }
    if (trace.user_id !== undefined && trace.user_id.length > 512) delete trace.user_id
    if (trace.session_id) {
      const session = sessions.get(trace.session_id) ?? { session_id: trace.session_id }
      if (trace.user_id && !session.user_id) session.user_id = trace.user_id
      const name = sessionNames.get(trace.trace_id)
      if (name && !session.name) session.name = name.slice(0, MAX_NAME)
      const userName = userNames.get(trace.trace_id)
      if (userName && !session.metadata) session.metadata = { user_name: userName.slice(0, MAX_NAME) }
      sessions.set(trace.session_id, session)
    }
  }
  const traceRows = [...traces.values()].filter((t) => {
    const ok = IngestTrace.safeParse(t)
    if (!ok.success) problems.push(`trace ${t.trace_id}: ${formatIssuePath(ok.error.issues[0]!.path)}: ${ok.error.issues[0]!.message}`)
    return ok.success
  })
  return { traces: traceRows, sessions: [...sessions.values()] }
}
