// The decoded form of an OTLP ExportTraceServiceRequest, the same whichever wire encoding it came
// in (protobuf or JSON). Ids are lower-case hex, times are bigint nanoseconds, attribute values
// are plain JSON values. Per-span problems are collected, not thrown, so one bad span never
// sinks the batch.

/** An AnyValue as JSON: ints beyond 2^53 stay decimal strings, bytes become base64 strings. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue }
export type Attributes = Record<string, AttrValue>

export interface OtlpResource {
  attributes: Attributes
  droppedAttributesCount: number
  schemaUrl: string
}

export interface OtlpScope {
  name: string
  version: string
  attributes: Attributes
  droppedAttributesCount: number
  schemaUrl: string
}

export interface OtlpEvent {
  timeUnixNano: bigint
  name: string
  attributes: Attributes
  droppedAttributesCount: number
}

export interface OtlpLink {
  traceId: string
  spanId: string
  traceState: string
  attributes: Attributes
  droppedAttributesCount: number
  flags: number
}

export interface OtlpSpan {
  traceId: string
  spanId: string
  /** '' for a root span. */
  parentSpanId: string
  traceState: string
  flags: number
  name: string
  /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number
  startTimeUnixNano: bigint
  endTimeUnixNano: bigint
  attributes: Attributes
  droppedAttributesCount: number
  events: OtlpEvent[]
  droppedEventsCount: number
  links: OtlpLink[]
  droppedLinksCount: number
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string }
  resource: OtlpResource
  scope: OtlpScope
  /** Problems found while decoding this span (a bad id, an unreadable field). */
  problems: string[]
}

export interface DecodedTraces {
  spans: OtlpSpan[]
}

export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const

const HEX = /^[0-9a-f]*$/

/** Lower-case hex of a byte array. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Checks one span's identity and required fields; returns the reasons it must be rejected. */
export function spanProblems(span: OtlpSpan): string[] {
  const problems = [...span.problems]
  const where = span.spanId && HEX.test(span.spanId) ? `span ${span.spanId}` : `span "${span.name.slice(0, 64)}"`
  problems.push(...idProblems(span.traceId, 16, 'trace_id'))
  problems.push(...idProblems(span.spanId, 8, 'span_id'))
  if (span.parentSpanId !== '') problems.push(...idProblems(span.parentSpanId, 8, 'parent_span_id'))
  if (!span.name) problems.push('name is empty')
  if (span.startTimeUnixNano <= 0n) problems.push('start_time_unix_nano is missing')
  return problems.map((p) => `${where}: ${p}`)
}

function idProblems(hex: string, bytes: number, field: string): string[] {
  if (!hex) return [`${field} is missing`]
  if (!HEX.test(hex) || hex.length !== bytes * 2) return [`${field} must be ${bytes} bytes (${bytes * 2} hex characters)`]
  if (/^0+$/.test(hex)) return [`${field} must not be all zeros`]
  return []
}
