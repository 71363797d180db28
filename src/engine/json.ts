// JSON helpers: payloads cross Postgres jsonb (which reorders keys), so equality is checked on
// a canonical form.

/** A JSON-safe copy: undefined becomes null, Dates become strings. Throws on cycles or BigInt. */
export function toJson(value: unknown): unknown {
  if (value === undefined) return null
  const text = JSON.stringify(value)
  return text === undefined ? null : JSON.parse(text)
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(toJson(value)))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

/**
 * What a value looks like after a round trip through jsonb: JSON-safe, and object keys in jsonb's
 * order (shorter UTF-8 byte length first, then bytewise). Workflow code that sees a value before
 * it is stored must see exactly what a replay will read back.
 */
export function toJsonbShape(value: unknown): unknown {
  return jsonbOrder(toJson(value))
}

function jsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonbOrder)
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).map((k) => ({ k, b: Buffer.from(k, 'utf8') }))
    keys.sort((x, y) => x.b.length - y.b.length || Buffer.compare(x.b, y.b))
    const out: Record<string, unknown> = {}
    for (const { k } of keys) out[k] = jsonbOrder((value as Record<string, unknown>)[k])
    return out
  }
  return value
}
