import { clean } from './decode.js'
import type { AttrValue, Attributes } from './model.js'

// Small readers over attribute maps, shared by the GenAI mapping and the message extraction.

/** The first of `keys` present with a non-null, non-empty value. */
export function first(attrs: Attributes, keys: readonly string[]): { key: string; value: AttrValue } | undefined {
  for (const key of keys) {
    const value = attrs[key]
    if (value !== undefined && value !== null && value !== '') return { key, value }
  }
  return undefined
}

export function firstString(attrs: Attributes, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attrs[key]
    if (typeof value === 'string' && value.trim() !== '') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  }
  return undefined
}

/** A token count: a whole non-negative number, from an int, a double or a numeric string. */
export function firstCount(attrs: Attributes, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = attrs[key]
    const n = typeof value === 'string' && /^\d+(\.0+)?$/.test(value.trim()) ? Number(value) : value
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER) return Math.round(n)
  }
  return undefined
}

/** Parses a JSON string that looks like an object or array; anything else comes back as is. */
export function maybeJson(value: AttrValue | undefined): unknown {
  if (typeof value !== 'string') return value
  const t = value.trim()
  if (!(t.startsWith('{') || t.startsWith('['))) return value
  if (nestingDepth(t) > MAX_JSON_DEPTH) return value
  try {
    return JSON.parse(t, (_key, v: unknown) => (typeof v === 'string' ? clean(v) : v))
  } catch {
    return value
  }
}

/** Flattened keys with more segments than this are left out of rebuilt messages. */
const MAX_FLATTENED_SEGMENTS = 16

/** JSON inside attributes deeper than this stays a string (bounded work on hostile input). */
const MAX_JSON_DEPTH = 64

/** Deepest bracket nesting of a JSON text, ignoring brackets inside strings. */
function nestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth)
    else if (c === 0x5d || c === 0x7d) depth--
  }
  return max
}

/**
 * Rebuilds the objects that flattened conventions spread over keys such as
 * `gen_ai.prompt.0.role` or `llm.input_messages.1.message.tool_calls.0.tool_call.function.name`:
 * returns the list under `prefix`, numeric segments becoming array indexes.
 */
export function unflattenList(attrs: Attributes, prefix: string): unknown[] {
  const root: unknown[] = []
  for (const [key, value] of Object.entries(attrs)) {
    if (!key.startsWith(prefix)) continue
    const path = key.slice(prefix.length).split('.')
    if (!/^\d+$/.test(path[0] ?? '') || path.length > MAX_FLATTENED_SEGMENTS) continue
    let node: any = root
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!
      const slot: string | number = /^\d+$/.test(seg) && Array.isArray(node) ? Number(seg) : seg
      if (i === path.length - 1) {
        node[slot] = value
      } else {
        const nextIsIndex = /^\d+$/.test(path[i + 1]!)
        if (node[slot] === undefined || typeof node[slot] !== 'object' || node[slot] === null) node[slot] = nextIsIndex ? [] : {}
        node = node[slot]
      }
    }
  }
  return root.filter((m) => m !== undefined)
}

/** The attributes under `prefix.` as an object keyed by the rest of the key. */
export function withPrefix(attrs: Attributes, prefix: string): Record<string, AttrValue> | undefined {
  let out: Record<string, AttrValue> | undefined
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith(prefix) && key.length > prefix.length) (out ??= {})[key.slice(prefix.length)] = value
  }
  return out
}
