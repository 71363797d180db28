// Pure JSON diff for the side-by-side payload view in compare: which JSON paths differ between
// two values, and each value as pretty-printed lines tagged with their path so the differing
// ones can be highlighted. No DOM, no React: unit-tested in test/web/json-diff.test.ts.
import { childPath, diffJson as sharedDiff } from '../../../src/observe/align.js'

export { childPath }

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

/**
 * Differing paths between `a` and `b` (observe/align.ts's diffJson, which the server's compare
 * uses too): keys in the order they are first seen, at most `limit` paths.
 */
export function diffJson(a: unknown, b: unknown, limit = 500): DiffResult {
  const found = sharedDiff(a, b, limit + 1, { maxDepth: 64, keyOrder: 'seen' })
  return { paths: found.slice(0, limit).map((d) => d.path), truncated: found.length > limit }
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
