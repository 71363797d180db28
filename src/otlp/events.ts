import type { IngestEvent } from '../contract/ingest.js'
import { firstString, maybeJson } from './attributes.js'
import { isMessageEvent } from './messages.js'
import type { OtlpEvent, OtlpSpan } from './model.js'
import { nanosToIso } from './time.js'

// OTel span events become Continua events. `exception` keeps its type, message and stack trace;
// GenAI message events (gen_ai.user.message, gen_ai.choice…) are `message`; evaluation results
// are `metric`; events that carry a log line are `log`; everything else is `custom` with its
// name and attributes.

const LOG_KEYS = ['log.message', 'message', 'body', 'event.body']

export function spanEvents(span: OtlpSpan): IngestEvent[] {
  return span.events.map((event, index) => toEvent(span, event, index))
}

function toEvent(span: OtlpSpan, event: OtlpEvent, index: number): IngestEvent {
  const base = {
    trace_id: span.traceId,
    span_id: span.spanId,
    sequence: index,
    // OTLP retries resend the same events: one key per (trace, span, position) keeps them single.
    idempotency_key: `otel:${span.traceId}:${span.spanId}:${index}`,
    ...(event.timeUnixNano > 0n ? { event_ts: nanosToIso(event.timeUnixNano) } : {}),
  }
  const time = event.timeUnixNano > 0n ? { time_unix_nano: event.timeUnixNano.toString() } : {}
  const a = event.attributes
  if (event.name === 'exception') {
    const { 'exception.type': type, 'exception.message': message, 'exception.stacktrace': stack, 'exception.escaped': escaped, ...rest } = a
    const payload: Record<string, unknown> = { name: event.name, ...time }
    if (type !== undefined) payload.exception_type = type
    if (message !== undefined) payload.message = message
    if (stack !== undefined) payload.traceback = stack
    if (escaped !== undefined) payload.escaped = escaped
    if (Object.keys(rest).length) payload.attributes = rest
    return {
      ...base,
      event_type: 'exception',
      level: 'error',
      message: clip(typeof message === 'string' ? message : typeof type === 'string' ? type : 'exception'),
      payload,
    }
  }
  const payload: Record<string, unknown> = { name: event.name, ...time, attributes: decodeJsonFields(a) }
  if (event.droppedAttributesCount) payload.dropped_attributes_count = event.droppedAttributesCount
  if (isMessageEvent(event.name)) return { ...base, event_type: 'message', level: 'info', message: clip(event.name), payload }
  if (event.name === 'gen_ai.evaluation.result') return { ...base, event_type: 'metric', level: 'info', message: clip(evaluationLine(a)), payload }
  const line = firstString(a, LOG_KEYS)
  if (line !== undefined || event.name === 'log') {
    return { ...base, event_type: 'log', level: levelOf(a), message: clip(line ?? event.name), payload }
  }
  return { ...base, event_type: 'custom', level: 'info', message: clip(event.name || 'event'), payload }
}

/** `relevance: 0.8 (good)` from the semconv evaluation attributes. */
function evaluationLine(a: Record<string, unknown>): string {
  const name = firstString(a as never, ['gen_ai.evaluation.name']) ?? 'evaluation'
  const score = firstString(a as never, ['gen_ai.evaluation.score.value'])
  const label = firstString(a as never, ['gen_ai.evaluation.score.label'])
  return `${name}: ${score ?? label ?? 'no score'}${score !== undefined && label ? ` (${label})` : ''}`
}

function decodeJsonFields(a: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(a)) out[k] = maybeJson(v as never)
  return out
}

function levelOf(a: Record<string, unknown>): 'debug' | 'info' | 'warning' | 'error' {
  const raw = String(a['log.severity'] ?? a['level'] ?? a['severity'] ?? '').toLowerCase()
  if (raw.startsWith('err') || raw === 'fatal' || raw === 'critical') return 'error'
  if (raw.startsWith('warn')) return 'warning'
  if (raw === 'debug' || raw === 'trace') return 'debug'
  return 'info'
}

const MAX_MESSAGE = 65536
const clip = (s: string) => (s.length > MAX_MESSAGE ? s.slice(0, MAX_MESSAGE) : s)
