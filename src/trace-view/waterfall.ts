// A waterfall bar on a shared time axis, with eighth blocks for sub-cell precision.

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

export function waterfallBar(start: number, end: number, axisStart: number, axisEnd: number, width: number, ascii = false): string {
  if (width <= 0) return ''
  const span = Math.max(1, axisEnd - axisStart)
  const from = Math.max(0, Math.min(width, ((start - axisStart) / span) * width))
  const to = Math.max(from, Math.min(width, ((end - axisStart) / span) * width))
  const lead = Math.floor(from)
  if (ascii) {
    const len = Math.max(1, Math.round(to) - lead)
    return (' '.repeat(lead) + '='.repeat(Math.min(len, width - lead))).padEnd(width)
  }
  const full = Math.floor(to - lead)
  const rest = Math.floor((to - lead - full) * 8)
  let bar = ' '.repeat(lead) + '█'.repeat(full) + (EIGHTHS[rest] ?? '')
  if (full === 0 && rest === 0) bar = ' '.repeat(Math.min(lead, width - 1)) + '▏'
  return bar.padEnd(width).slice(0, width)
}
