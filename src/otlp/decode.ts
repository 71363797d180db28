import { ContinuaError } from '../errors.js'
import { bytesToHex, type AttrValue, type Attributes, type OtlpEvent, type OtlpLink, type OtlpResource, type OtlpScope, type OtlpSpan } from './model.js'

// Turns an ExportTraceServiceRequest given as a plain object into OtlpSpans. Both encodings come
// through here: JSON after a lossless parse, protobuf after protobufjs' toObject (bytes as
// Uint8Array, 64-bit integers as decimal strings). It reads leniently, as real emitters differ:
// lowerCamelCase or snake_case keys, hex or base64 ids, integer or named enums, 64-bit numbers as
// strings or numbers. Unknown fields are ignored.

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())

/** A field by its lowerCamelCase name or its proto (snake_case) name. */
function get(o: Obj, camel: string): unknown {
  const v = o[camel]
  return v !== undefined ? v : o[snake(camel)]
}

function list(o: Obj, camel: string): unknown[] {
  const v = get(o, camel)
  return Array.isArray(v) ? v : []
}

// Postgres text and jsonb hold neither NUL nor unpaired surrogates; such characters in telemetry
// are replaced rather than failing the batch.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function clean(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD')
}

function str(v: unknown): string {
  return typeof v === 'string' ? clean(v) : ''
}

function uint(v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.trunc(n) : 0
}

/** Decodes a whole request; throws a 400 only when the envelope itself is unreadable. */
export function decodeTraceRequest(body: unknown): OtlpSpan[] {
  if (body === null || body === undefined) return []
  if (!isObj(body)) throw new ContinuaError('invalid_request', 'OTLP body must be an ExportTraceServiceRequest object')
  const resourceSpans = get(body, 'resourceSpans')
  if (resourceSpans === undefined || resourceSpans === null) return []
  if (!Array.isArray(resourceSpans)) throw new ContinuaError('invalid_request', 'resourceSpans must be an array')
  const spans: OtlpSpan[] = []
  for (const rs of resourceSpans) {
    if (!isObj(rs)) continue
    const res = isObj(get(rs, 'resource')) ? (get(rs, 'resource') as Obj) : {}
    const resource: OtlpResource = {
      attributes: attributes(get(res, 'attributes')).attrs,
      droppedAttributesCount: uint(get(res, 'droppedAttributesCount')),
      schemaUrl: str(get(rs, 'schemaUrl')),
    }
    // instrumentationLibrarySpans: the name before OTLP 0.15, still sent by old emitters
    const scopeSpans = [...list(rs, 'scopeSpans'), ...list(rs, 'instrumentationLibrarySpans')]
    for (const ss of scopeSpans) {
      if (!isObj(ss)) continue
      const sc = get(ss, 'scope') ?? get(ss, 'instrumentationLibrary')
      const scopeObj = isObj(sc) ? sc : {}
      const scope: OtlpScope = {
        name: str(get(scopeObj, 'name')),
        version: str(get(scopeObj, 'version')),
        attributes: attributes(get(scopeObj, 'attributes')).attrs,
        droppedAttributesCount: uint(get(scopeObj, 'droppedAttributesCount')),
        schemaUrl: str(get(ss, 'schemaUrl')),
      }
      for (const raw of list(ss, 'spans')) spans.push(decodeSpan(raw, resource, scope))
    }
  }
  return spans
}

function decodeSpan(raw: unknown, resource: OtlpResource, scope: OtlpScope): OtlpSpan {
  const problems: string[] = []
  const o = isObj(raw) ? raw : {}
  if (!isObj(raw)) problems.push('span is not an object')
  const note = (p: string | undefined) => p && problems.push(p)
  const traceId = id(get(o, 'traceId'), 16, 'trace_id')
  const spanId = id(get(o, 'spanId'), 8, 'span_id')
  const parent = id(get(o, 'parentSpanId'), 8, 'parent_span_id')
  note(traceId.problem)
  note(spanId.problem)
  note(parent.problem)
  const start = nanos(get(o, 'startTimeUnixNano'), 'start_time_unix_nano')
  const end = nanos(get(o, 'endTimeUnixNano'), 'end_time_unix_nano')
  note(start.problem)
  note(end.problem)
  const attrs = attributes(get(o, 'attributes'))
  note(attrs.problem)
  // An unknown enum value reads as unspecified/unset: it does not cost the span.
  const kind = enumValue(get(o, 'kind'), 'SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'])
  const statusObj = isObj(get(o, 'status')) ? (get(o, 'status') as Obj) : {}
  const code = enumValue(get(statusObj, 'code'), 'STATUS_CODE_', ['UNSET', 'OK', 'ERROR'])
  const nameRaw = get(o, 'name')
  if (nameRaw !== undefined && typeof nameRaw !== 'string') problems.push('name must be a string')
  return {
    traceId: traceId.hex,
    spanId: spanId.hex,
    // Some emitters write an all-zero parent for a root span.
    parentSpanId: /^0+$/.test(parent.hex) ? '' : parent.hex,
    traceState: str(get(o, 'traceState')),
    flags: uint(get(o, 'flags')),
    name: str(nameRaw),
    kind: kind ?? 0,
    startTimeUnixNano: start.value,
    endTimeUnixNano: end.value,
    attributes: attrs.attrs,
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount')),
    events: list(o, 'events').map(decodeEvent),
    droppedEventsCount: uint(get(o, 'droppedEventsCount')),
    links: list(o, 'links').map(decodeLink),
    droppedLinksCount: uint(get(o, 'droppedLinksCount')),
    status: { code: code ?? 0, message: str(get(statusObj, 'message')) },
    resource,
    scope,
    problems,
  }
}

function decodeEvent(raw: unknown): OtlpEvent {
  const o = isObj(raw) ? raw : {}
  return {
    timeUnixNano: nanos(get(o, 'timeUnixNano'), 'time_unix_nano').value,
    name: str(get(o, 'name')),
    attributes: attributes(get(o, 'attributes')).attrs,
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount')),
  }
}

function decodeLink(raw: unknown): OtlpLink {
  const o = isObj(raw) ? raw : {}
  return {
    traceId: id(get(o, 'traceId'), 16, 'trace_id').hex,
    spanId: id(get(o, 'spanId'), 8, 'span_id').hex,
    traceState: str(get(o, 'traceState')),
    attributes: attributes(get(o, 'attributes')).attrs,
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount')),
    flags: uint(get(o, 'flags')),
  }
}

const HEX_ID = /^[0-9a-fA-F]+$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/** Lower-case hex from bytes, hex (any case) or base64 (std or url-safe, padded or not). */
export function id(v: unknown, bytes: number, field: string): { hex: string; problem?: string } {
  if (v === undefined || v === null || v === '') return { hex: '' }
  if (v instanceof Uint8Array) return { hex: bytesToHex(v) }
  if (typeof v !== 'string') return { hex: '', problem: `${field} must be a hex string` }
  if (HEX_ID.test(v) && v.length === bytes * 2) return { hex: v.toLowerCase() }
  if (BASE64.test(v)) {
    const decoded = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (decoded.length === bytes) return { hex: decoded.toString('hex') }
  }
  if (HEX_ID.test(v)) return { hex: v.toLowerCase() } // wrong length: reported by spanProblems
  return { hex: '', problem: `${field} is neither hex nor base64` }
}

/** Nanoseconds from a decimal string, a number or a bigint; 0 when absent. */
export function nanos(v: unknown, field: string): { value: bigint; problem?: string } {
  if (v === undefined || v === null || v === '') return { value: 0n }
  if (typeof v === 'bigint') return v >= 0n ? { value: v } : { value: 0n, problem: `${field} must not be negative` }
  if (typeof v === 'string' && /^\d+$/.test(v)) return { value: BigInt(v) }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return { value: BigInt(Math.trunc(v)) }
  return { value: 0n, problem: `${field} must be a non-negative integer of nanoseconds` }
}

function enumValue(v: unknown, prefix: string, names: string[]): number | undefined {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v < names.length ? v : undefined
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return enumValue(Number(v), prefix, names)
    const name = v.toUpperCase().replace(prefix, '')
    const index = names.indexOf(name)
    return index >= 0 ? index : undefined
  }
  return undefined
}

/** Nesting deeper than this is stored as a marker: real telemetry never needs it, and unbounded
 * recursion over hostile input would exhaust the stack. */
export const MAX_VALUE_DEPTH = 32

/** KeyValue[] → object; later duplicates win, as in most SDKs. */
export function attributes(v: unknown, depth = 0): { attrs: Attributes; problem?: string } {
  const attrs: Attributes = {}
  if (v === undefined || v === null) return { attrs }
  if (!Array.isArray(v)) return { attrs, problem: 'attributes must be an array of key/value pairs' }
  for (const kv of v) {
    if (!isObj(kv)) continue
    const key = get(kv, 'key')
    if (typeof key !== 'string' || key === '') continue
    attrs[clean(key)] = anyValue(get(kv, 'value'), depth)
  }
  return { attrs }
}

/** An AnyValue as a JSON value; a missing value is null. */
export function anyValue(v: unknown, depth = 0): AttrValue {
  if (!isObj(v)) return null
  const s = get(v, 'stringValue')
  if (s !== undefined && s !== null) return clean(typeof s === 'string' ? s : String(s))
  const b = get(v, 'boolValue')
  if (b !== undefined && b !== null) return b === true || b === 'true'
  const i = get(v, 'intValue')
  if (i !== undefined && i !== null) return intValue(i)
  const d = get(v, 'doubleValue')
  if (d !== undefined && d !== null) return doubleValue(d)
  const arr = get(v, 'arrayValue')
  const kvl = get(v, 'kvlistValue')
  if ((arr ?? kvl) != null && depth >= MAX_VALUE_DEPTH) return `[nested deeper than ${MAX_VALUE_DEPTH} levels]`
  if (arr !== undefined && arr !== null) return isObj(arr) ? list(arr, 'values').map((x) => anyValue(x, depth + 1)) : []
  if (kvl !== undefined && kvl !== null) return isObj(kvl) ? attributes(list(kvl, 'values'), depth + 1).attrs : {}
  const bytes = get(v, 'bytesValue')
  if (bytes !== undefined && bytes !== null) return bytes instanceof Uint8Array ? Buffer.from(bytes).toString('base64') : str(bytes)
  return null
}

function intValue(v: unknown): AttrValue {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v)
    return Number.isSafeInteger(n) ? n : BigInt(v).toString()
  }
  return null
}

function doubleValue(v: unknown): AttrValue {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (typeof v === 'string') {
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v
    const n = Number(v)
    return v.trim() !== '' && Number.isFinite(n) ? n : null
  }
  return null
}
