// Order-preserving alignment of two sibling lists: the longest common subsequence under a key
// equality. One inserted or removed sibling leaves every other sibling matched, unlike matching
// on absolute position.

/** Index pairs [i, j] of an LCS of `a` and `b` under `key`, in order. Deterministic. */
export function alignByKey<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): Array<[number, number]> {
  const ka = a.map(key)
  const kb = b.map(key)
  const n = ka.length
  const m = kb.length
  // Sibling lists are bounded by the compare ceiling (500 spans), so a full table is fine.
  const table: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = ka[i] === kb[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
    }
  }
  const pairs: Array<[number, number]> = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (ka[i] === kb[j]) {
      pairs.push([i, j])
      i++
      j++
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++
    else j++
  }
  return pairs
}

export type JsonPathDiff = { path: string; baseline?: unknown; candidate?: unknown }

/** The path of a child value: `$.a`, `$["b c"]`, `$[3]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`
}

export interface DiffOptions {
  /** Below this depth a differing subtree is one difference at its path (default 12). */
  maxDepth?: number
  /** Object keys in sorted order (default), or as first seen in `a` and then in `b`. */
  keyOrder?: 'sorted' | 'seen'
}

/**
 * Leaf-level differences between two JSON values, at most `max` of them, paths like `$.a[2].b`.
 * A key on one side only differs at its path; a change of type differs at the path, not below it.
 */
export function diffJson(a: unknown, b: unknown, max = 20, options: DiffOptions = {}): JsonPathDiff[] {
  const maxDepth = options.maxDepth ?? 12
  const out: JsonPathDiff[] = []
  const own = (o: Record<string, unknown>, k: string) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined)
  const walk = (x: unknown, y: unknown, path: string, depth: number): void => {
    if (out.length >= max) return
    if (deepEqual(x, y)) return
    if (depth < maxDepth && isPlainObject(x) && isPlainObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])]
      if (options.keyOrder !== 'seen') keys.sort()
      for (const k of keys) walk(own(x, k), own(y, k), childPath(path, k), depth + 1)
      return
    }
    if (depth < maxDepth && Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], childPath(path, i), depth + 1)
      return
    }
    const entry: JsonPathDiff = { path }
    if (x !== undefined) entry.baseline = x
    if (y !== undefined) entry.candidate = y
    out.push(entry)
  }
  walk(a, b, '$', 0)
  return out
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]))
  }
  const ka = Object.keys(a as object)
  const kb = Object.keys(b as object)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}
