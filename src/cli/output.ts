// Output conventions shared by every listing/show command: a table or tree on a terminal; tab-
// separated text without colour, header or truncation when piped; json/jsonl for scripts.

export type OutputFormat = 'text' | 'json' | 'jsonl'

export interface OutputOptions {
  format: OutputFormat
  color: boolean
  /** stdout is a terminal: align, add headers, truncate to the width. */
  tty: boolean
  width: number
}

export interface Column<T> {
  header: string
  get: (row: T) => string
  /** May shrink to fit the terminal (the rest keep their width). */
  flex?: boolean
  paint?: (text: string, row: T) => string
}

const ANSI = /\u001b\[[0-9;]*m/g
export const stripAnsi = (s: string): string => s.replace(ANSI, '')

export interface Paint {
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  blue(s: string): string
  cyan(s: string): string
  dim(s: string): string
  bold(s: string): string
  inverse(s: string): string
}

export function painter(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (s: string) => (enabled && s ? `\u001b[${open}m${s}\u001b[${close}m` : s)
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), blue: wrap(34, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22), inverse: wrap(7, 27) }
}

export function resolveOutput(flags: { output?: string; json?: boolean; 'no-color'?: boolean }, env: { noColor: boolean }, stream: { isTTY?: boolean; columns?: number } = process.stdout): OutputOptions {
  const format: OutputFormat = flags.json ? 'json' : ((flags.output as OutputFormat | undefined) ?? 'text')
  const tty = stream.isTTY === true
  return { format, tty, color: tty && !flags['no-color'] && !env.noColor, width: tty ? Math.max(40, stream.columns ?? 100) : Number.POSITIVE_INFINITY }
}

export function renderTable<T>(rows: T[], columns: Column<T>[], o: OutputOptions): string {
  const cells = rows.map((r) => columns.map((c) => clean(c.get(r))))
  if (!o.tty) return cells.map((line) => line.join('\t')).join('\n') + (cells.length ? '\n' : '')
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((line) => line[i]!.length)))
  const total = widths.reduce((a, b) => a + b + 2, -2)
  // Shrink flexible columns, last first, down to 8 characters each, until the table fits.
  let over = total - o.width
  for (let i = columns.length - 1; i >= 0 && over > 0; i--) {
    if (!columns[i]!.flex) continue
    const cut = Math.min(over, Math.max(0, widths[i]! - 8))
    widths[i] = widths[i]! - cut
    over -= cut
  }
  const p = painter(o.color)
  const header = columns.map((c, i) => pad(c.header, widths[i]!)).join('  ')
  const body = cells.map((line, r) =>
    line
      .map((text, i) => {
        const cut = truncate(text, widths[i]!)
        const painter = columns[i]!.paint
        return (painter ? painter(cut, rows[r]!) : cut) + ' '.repeat(Math.max(0, widths[i]! - cut.length))
      })
      .join('  ')
      .trimEnd(),
  )
  return [p.bold(header.trimEnd()), ...body].join('\n') + '\n'
}

function clean(s: string): string {
  return s.replace(/[\t\n\r]+/g, ' ')
}

export function truncate(s: string, width: number): string {
  return s.length <= width ? s : width <= 1 ? s.slice(0, width) : s.slice(0, width - 1) + '…'
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - s.length))
}

/** Data for scripts: one JSON document, or one compact line per item. */
export function renderJson(payload: unknown, items: unknown[] | undefined, format: 'json' | 'jsonl'): string {
  if (format === 'jsonl') return (items ?? [payload]).map((i) => JSON.stringify(i)).join('\n') + '\n'
  return JSON.stringify(payload, null, 2) + '\n'
}

/** "3s ago", "5m ago", "2h ago", "4d ago" relative to now. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return ''
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86400)}d ago`
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ''
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

export function formatTokens(n: number | undefined): string {
  if (n === undefined) return ''
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n)
}

export function formatCost(decimal: string | undefined, n?: number): string {
  if (decimal === undefined && n === undefined) return ''
  const v = decimal !== undefined ? Number(decimal) : n!
  if (v === 0) return '$0'
  return v < 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`
}
