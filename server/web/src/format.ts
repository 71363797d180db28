// Display helpers: durations, numbers, money, times.

export function fmtDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const m = Math.floor(ms / 60_000)
  if (m < 60) return `${m}m ${Math.round((ms % 60_000) / 1000)}s`
  return `${Math.floor(m / 60)}h ${m % 60}m`
}

export function fmtInt(n: number | undefined | null): string {
  return n === undefined || n === null ? '—' : n.toLocaleString('en-US')
}

export function fmtCost(usd: number | string | undefined | null): string {
  if (usd === undefined || usd === null) return '—'
  const n = typeof usd === 'string' ? Number(usd) : usd
  if (n === 0) return '$0'
  if (Math.abs(n) < 0.01) return `$${n.toFixed(4)}`
  return `$${n.toFixed(n < 10 ? 3 : 2)}`
}

export function fmtDelta(n: number, fmt: (v: number) => string): string {
  return (n > 0 ? '+' : n < 0 ? '−' : '±') + fmt(Math.abs(n))
}

export function fmtTime(iso: string | undefined | null): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function fmtAgo(iso: string | undefined | null): string {
  if (!iso) return '—'
  const s = (Date.now() - new Date(iso).getTime()) / 1000
  if (s < 60) return `${Math.max(0, Math.round(s))}s ago`
  if (s < 3600) return `${Math.round(s / 60)}m ago`
  if (s < 86400) return `${Math.round(s / 3600)}h ago`
  return `${Math.round(s / 86400)}d ago`
}

export function fmtBytes(n: number | undefined): string {
  if (n === undefined) return '?'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function statusClass(status: string | undefined): string {
  const s = (status ?? '').toLowerCase()
  if (['failed', 'terminated', 'quarantined'].includes(s)) return 'st-failed'
  if (['running', 'started', 'queued', 'scheduled'].includes(s)) return 'st-running'
  if (['waiting', 'suspended', 'cancelled'].includes(s)) return 'st-waiting'
  if (['completed', 'ok'].includes(s)) return 'st-ok'
  return 'st-other'
}

export function copy(text: string): void {
  void navigator.clipboard?.writeText(text).catch(() => {})
}

export function download(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
