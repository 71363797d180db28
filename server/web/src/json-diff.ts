// Pure JSON diff for the side-by-side payload view in compare: which JSON paths differ between
// two values, and each value as pretty-printed lines tagged with their path so the differing
// ones can be highlighted. No DOM, no React: unit-tested in test/web/json-diff.test.ts.

export type JsonPath = string

export interface DiffResult {
  /** Paths whose values differ, shallowest first within each branch; `$` when the roots differ. */
  paths: JsonPath[]
  /** True when more differences existed than `limit`. */
  truncated: boolean
}

export interface JsonLine {
  /** Indentation depth. */
  depth: number
  /** The line as printed, without indentation. */
  text: string
  /** Path of the value this line opens, holds or closes. */
  path: JsonPath
  /** The line's value differs (it is, or lies under, a differing path). */
  changed: boolean
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `$.a`, `$["b c"]`, `$[3]`. */
export function childPath(parent: JsonPath, key: string | number): JsonPath {
  if (typeof key === 'number') return `${parent}[${key}]`
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`
}

type Kind = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'missing' | 'other'

function kindOf(v: unknown): Kind {
  if (v === undefined) return 'missing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  const t = typeof v
  return t === 'object' || t === 'string' || t === 'number' || t === 'boolean' ? t : 'other'
}

/**
 * Differing paths between `a` and `b`. Objects compare key by key (a key on one side only is a
 * difference at its path), arrays index by index (extra elements differ at their index), and
 * anything else by value and type. At most `limit` paths are reported.
 */
export function diffJson(a: unknown, b: unknown, limit = 500): DiffResult {
  const paths: JsonPath[] = []
  let truncated = false
  const walk = (x: unknown, y: unknown, path: JsonPath, depth: number) => {
    if (paths.length >= limit) {
      truncated = true
      return
    }
    const kx = kindOf(x)
    const ky = kindOf(y)
    if (kx !== ky) return void paths.push(path)
    if (kx === 'object' && depth < 64) {
      const ox = x as Record<string, unknown>
      const oy = y as Record<string, unknown>
      const keys = [...Object.keys(ox), ...Object.keys(oy).filter((k) => !Object.prototype.hasOwnProperty.call(ox, k))]
      for (const k of keys) {
        const has = (o: Record<string, unknown>) => Object.prototype.hasOwnProperty.call(o, k)
        walk(has(ox) ? ox[k] : undefined, has(oy) ? oy[k] : undefined, childPath(path, k), depth + 1)
      }
      return
    }
    if (kx === 'array' && depth < 64) {
      const ax = x as unknown[]
      const ay = y as unknown[]
      for (let i = 0; i < Math.max(ax.length, ay.length); i++) walk(i < ax.length ? ax[i] : undefined, i < ay.length ? ay[i] : undefined, childPath(path, i), depth + 1)
      return
    }
    if (kx === 'object' || kx === 'array') {
      if (JSON.stringify(x) !== JSON.stringify(y)) paths.push(path)
      return
    }
    if (!Object.is(x, y)) paths.push(path)
  }
  walk(a, b, '$', 0)
  return { paths, truncated }
}

/** True when `path` is `under` or lies inside it. */
export function isUnder(path: JsonPath, under: JsonPath): boolean {
  return path === under || (path.startsWith(under) && (path[under.length] === '.' || path[under.length] === '['))
}

/**
 * `value` pretty-printed as JSON (two-space steps, as JSON.stringify would) one line per entry,
 * each tagged with its path and whether it lies under one of `changed`.
 */
export function jsonLines(value: unknown, changed: readonly JsonPath[], maxLines = 5000): JsonLine[] {
  const lines: JsonLine[] = []
  const hit = (path: JsonPath) => changed.some((c) => isUnder(path, c))
  const emit = (depth: number, text: string, path: JsonPath) => {
    if (lines.length < maxLines) lines.push({ depth, text, path, changed: hit(path) })
  }
  const walk = (v: unknown, path: JsonPath, depth: number, prefix: string, comma: string) => {
    if (lines.length >= maxLines) return
    if (v !== null && typeof v === 'object') {
      const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined)
      const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}']
      if (!entries.length) return emit(depth, `${prefix}${open}${close}${comma}`, path)
      emit(depth, `${prefix}${open}`, path)
      entries.forEach(([k, x], i) => walk(x, childPath(path, k), depth + 1, typeof k === 'number' ? '' : `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : ''))
      return emit(depth, `${close}${comma}`, path)
    }
    emit(depth, `${prefix}${v === undefined ? 'undefined' : JSON.stringify(v)}${comma}`, path)
  }
  walk(value, '$', 0, '', '')
  return lines
}
