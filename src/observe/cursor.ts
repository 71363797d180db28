import { ContinuaError } from '../errors.js'

// Opaque cursors: base64url of a small JSON object tagged with what it pages, so a cursor from
// one route is refused by another instead of being misread.

export function encodeCursor(kind: string, value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...value }), 'utf8').toString('base64url')
}

/** Decodes a cursor of the given kind, or throws 400 invalid_cursor naming the parameter. */
export function decodeCursor<T>(kind: string, param: string, text: string, check: (v: Record<string, unknown>) => T | undefined): T {
  let parsed: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('bad alphabet')
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw new ContinuaError('invalid_cursor', `${param} is not a valid cursor`)
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as { k?: unknown }).k !== kind) {
    throw new ContinuaError('invalid_cursor', `${param} is not a valid cursor for this route`)
  }
  const value = check(parsed as Record<string, unknown>)
  if (value === undefined) throw new ContinuaError('invalid_cursor', `${param} is not a valid cursor`)
  return value
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v)
export const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
