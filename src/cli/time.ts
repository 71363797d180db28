import { ContinuaError } from '../errors.js'

/** `--since 15m` / `2h` / `7d` / an RFC 3339 time, as epoch milliseconds. */
export function sinceCutoff(value: string, now = Date.now()): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(value.trim())
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's']
  const t = Date.parse(value)
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new ContinuaError('invalid_request', `--since must be a duration like 30s, 15m, 2h or 7d, or an RFC 3339 time; got ${JSON.stringify(value)}`)
  return t
}
