// A JSON value as display lines, folded below `depth` levels: `{…3 keys}` / `[…12 items]`.

export function jsonLines(value: unknown, depth: number, indent = ''): string[] {
  if (value === undefined) return []
  if (value === null || typeof value !== 'object') return [indent + JSON.stringify(value)]
  const isArray = Array.isArray(value)
  const entries = isArray ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) return [indent + (isArray ? '[]' : '{}')]
  if (depth <= 0) return [indent + (isArray ? `[…${entries.length} items]` : `{…${entries.length} keys}`)]
  const out: string[] = [indent + (isArray ? '[' : '{')]
  for (const [k, v] of entries) {
    const inner = jsonLines(v, depth - 1, indent + '  ')
    const label = isArray ? '' : `${JSON.stringify(k)}: `
    out.push(indent + '  ' + label + inner[0]!.trimStart(), ...inner.slice(1))
  }
  out.push(indent + (isArray ? ']' : '}'))
  return out
}
