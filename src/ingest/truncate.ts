// Deterministic, UTF-8-safe shrinking of oversized JSON payloads.
//
// A value whose JSON text is within the limit is stored unchanged. A larger one is shrunk
// structurally with a byte budget: object keys are visited in sorted order (so the same input
// always keeps the same keys), arrays keep their leading elements, strings are cut on a code
// point boundary. Whatever was dropped is marked with `"_truncated": true` (objects), a trailing
// `{"_truncated": true}` element (arrays) or a `...[truncated]` suffix (strings). The caller keeps
// the full original elsewhere, so nothing is lost.

export const TRUNCATION_REASON = 'size_limit'
const STRING_MARKER = '...[truncated]'
const MARKER_OBJECT = { _truncated: true }
const MARKER_BYTES = byteLength(JSON.stringify(MARKER_OBJECT))

export interface Truncated<T = unknown> {
  value: T
  truncated: boolean
  originalSizeBytes: number
  /** The full JSON text, present only when truncated. */
  originalJson?: string
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** Shrinks `value` so its JSON text fits `limit` bytes. `keep` keys of an object are never dropped. */
export function truncateJson<T>(value: T, limit: number, keep: readonly string[] = []): Truncated<T> {
  const json = JSON.stringify(value)
  const size = byteLength(json)
  if (size <= limit) return { value, truncated: false, originalSizeBytes: size }
  let shrunk: unknown
  if (isPlainObject(value) && keep.some((k) => k in value)) {
    shrunk = shrinkObjectKeeping(value, limit, keep)
  } else {
    shrunk = shrink(value, limit)
  }
  if (shrunk === undefined) shrunk = isPlainObject(value) || !Array.isArray(value) ? { ...MARKER_OBJECT } : [{ ...MARKER_OBJECT }]
  return { value: shrunk as T, truncated: true, originalSizeBytes: size, originalJson: json }
}

function shrinkObjectKeeping(value: Record<string, unknown>, limit: number, keep: readonly string[]): unknown {
  const kept: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) (keep.includes(k) ? kept : rest)[k] = v
  const keptBytes = byteLength(JSON.stringify(kept))
  const restShrunk = (shrink(rest, Math.max(limit - keptBytes, MARKER_BYTES)) ?? { ...MARKER_OBJECT }) as Record<string, unknown>
  return { ...restShrunk, ...kept }
}

/** Returns a version of `value` whose JSON is at most `budget` bytes, or undefined if none fits. */
function shrink(value: unknown, budget: number): unknown {
  if (budget <= 0) return undefined
  const json = JSON.stringify(value)
  if (json === undefined) return undefined
  if (byteLength(json) <= budget) return value
  if (typeof value === 'string') return cutString(value, budget)
  if (Array.isArray(value)) return shrinkArray(value, budget)
  if (isPlainObject(value)) return shrinkObject(value, budget)
  return undefined // a number or literal that does not fit
}

function shrinkArray(value: unknown[], budget: number): unknown[] | undefined {
  // Reserve room for "[", "]", and ",{"_truncated":true}".
  const reserve = 2 + 1 + MARKER_BYTES
  if (budget < reserve) return undefined
  const out: unknown[] = []
  let used = reserve
  for (const item of value) {
    const comma = out.length > 0 ? 1 : 0
    const room = budget - used - comma
    const itemJson = JSON.stringify(item) ?? 'null'
    const itemBytes = byteLength(itemJson)
    if (itemBytes <= room) {
      out.push(item)
      used += comma + itemBytes
      continue
    }
    const part = shrink(item, room)
    if (part !== undefined) out.push(part)
    break
  }
  out.push({ ...MARKER_OBJECT })
  return out
}

function shrinkObject(value: Record<string, unknown>, budget: number): Record<string, unknown> | undefined {
  // Reserve room for "{", "}", and ',"_truncated":true'.
  const reserve = 2 + byteLength(',"_truncated":true')
  if (budget < reserve) return undefined
  // A null prototype keeps a "__proto__" key an ordinary key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  let used = reserve
  let count = 0
  for (const key of Object.keys(value).sort()) {
    if (key === '_truncated') continue
    const item = value[key]
    if (item === undefined) continue
    const keyBytes = byteLength(JSON.stringify(key)) + 1
    const comma = count > 0 ? 1 : 0
    const room = budget - used - comma - keyBytes
    const itemBytes = byteLength(JSON.stringify(item))
    if (itemBytes <= room) {
      out[key] = item
      used += comma + keyBytes + itemBytes
      count++
      continue
    }
    const part = shrink(item, room)
    if (part !== undefined) {
      out[key] = part
      count++
    }
    break
  }
  out._truncated = true
  return out
}

/** Cuts a string so that its JSON text (quotes, escapes, marker included) fits the budget. */
function cutString(value: string, budget: number): string | undefined {
  const room = budget - 2 - byteLength(STRING_MARKER)
  if (room < 0) return undefined
  let used = 0
  let end = 0
  // Iterating a string yields whole code points, so a surrogate pair is never split.
  for (const ch of value) {
    const bytes = byteLength(JSON.stringify(ch)) - 2
    if (used + bytes > room) break
    used += bytes
    end += ch.length
  }
  return value.slice(0, end) + STRING_MARKER
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
