import { ContinuaError } from '../errors.js'

// Input Postgres or the JSON serialiser would choke on, refused up front as a 400 naming the
// problem rather than failing deep inside the write.

// Postgres text and jsonb cannot hold NUL characters or unpaired surrogates; refuse them with the
// path of the first one instead of failing inside the database.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const SUSPECT = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i

/**
 * `rawJson`, when given, is the request's JSON text: NUL and lone surrogates can only appear in
 * it as escapes, so scanning it spares serialising the parsed request again.
 */
export function assertStorableStrings(request: unknown, rawJson?: string): void {
  if (!SUSPECT.test(rawJson ?? JSON.stringify(request))) return
  const bad = findBadString(request, '')
  if (bad) {
    const message = `${bad.path || 'request body'}: ${bad.problem}`
    throw new ContinuaError('validation_error', message, [{ path: bad.path, message: bad.problem }])
  }
}

function findBadString(value: unknown, path: string): { path: string; problem: string } | undefined {
  const check = (s: string, where: string) => {
    if (s.includes('\u0000')) return { path: where, problem: 'must not contain NUL (\\u0000) characters' }
    if (LONE_SURROGATE.test(s)) return { path: where, problem: 'contains an unpaired UTF-16 surrogate (invalid Unicode)' }
    return undefined
  }
  if (typeof value === 'string') return check(value, path)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = findBadString(value[i], `${path}[${i}]`)
      if (r) return r
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const where = path ? `${path}.${k}` : k
      const r = check(k, where) ?? findBadString(v, where)
      if (r) return r
    }
  }
  return undefined
}

/** Deepest nesting of arrays/objects a request may have (the envelope itself uses four levels). */
export const MAX_JSON_DEPTH = 128

/**
 * Refuses JSON nested deeper than MAX_JSON_DEPTH: deeper values overflow the stack of
 * JSON.stringify and of Postgres's jsonb parser. Scans the text once, without recursion.
 */
export function assertJsonDepth(text: string): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
      continue
    }
    if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ContinuaError('validation_error', `request body: JSON is nested more than ${MAX_JSON_DEPTH} levels deep`, [
          { path: '', message: `nested more than ${MAX_JSON_DEPTH} levels deep` },
        ])
      }
    } else if (c === 93 || c === 125) depth--
  }
}
