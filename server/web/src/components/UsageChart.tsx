import type { UsageResponse } from '../../../../src/contract/stats.js'
import { fmtCost, fmtInt } from '../format.js'

// Cost per bucket as bars, and traces per bucket below with the failed part in red. The SVG
// stretches to its card; labels are HTML so they never scale with it.

const W = 10
const COST_H = 80
const COUNT_H = 36

function label(iso: string, unit: UsageResponse['bucket']): string {
  const d = new Date(iso)
  return unit === 'day'
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })
}

export function UsageChart({ usage }: { usage: UsageResponse }) {
  const { buckets, bucket: unit } = usage
  const costs = buckets.map((b) => Number(b.cost_usd_decimal))
  const maxCost = Math.max(...costs, 0)
  const maxCount = Math.max(...buckets.map((b) => b.traces), 0)
  const width = buckets.length * W
  return (
    <div className="usage-chart" data-testid="usage-chart" data-buckets={buckets.length}>
      <div className="usage-axis muted small">
        <span>Cost per {unit} (UTC) · peak {fmtCost(maxCost)}</span>
        <span>
          Total {fmtCost(usage.totals.cost_usd_decimal)} · {fmtInt(usage.totals.traces)} traces · {fmtInt(usage.totals.errors)} failed
        </span>
      </div>
      {maxCost === 0 ? <div className="usage-note muted small">No cost recorded in this period.</div> : null}
      <svg viewBox={`0 0 ${width} ${COST_H + 4 + COUNT_H}`} preserveAspectRatio="none" role="img" aria-label={`Cost, traces and failures per ${unit}`}>
        <line x1={0} x2={width} y1={COST_H} y2={COST_H} className="usage-base" />
        {buckets.map((b, i) => {
          const h = maxCost > 0 ? (costs[i]! / maxCost) * (COST_H - 2) : 0
          const th = maxCount > 0 ? (b.traces / maxCount) * COUNT_H : 0
          const eh = maxCount > 0 ? (b.errors / maxCount) * COUNT_H : 0
          const y0 = COST_H + 4
          return (
            <g key={b.start} className="usage-bucket" data-testid="usage-bucket" data-start={b.start}>
              <title>
                {`${label(b.start, unit)}: ${fmtCost(b.cost_usd_decimal)} · ${b.traces} traces · ${b.errors} failed · ${fmtInt(b.tokens_in)} in / ${fmtInt(b.tokens_out)} out tokens`}
              </title>
              <rect x={i * W} y={0} width={W} height={COST_H + 4 + COUNT_H} className="usage-hit" />
              <rect x={i * W + 1} y={COST_H - h} width={W - 2} height={h} className="usage-cost" />
              <rect x={i * W + 1} y={y0} width={W - 2} height={th - eh} className="usage-traces" />
              <rect x={i * W + 1} y={y0 + th - eh} width={W - 2} height={eh} className="usage-errors" />
            </g>
          )
        })}
      </svg>
      <div className="usage-axis muted small">
        <span>{buckets[0] ? label(buckets[0].start, unit) : ''}</span>
        <span>
          <i className="usage-key usage-cost" /> cost <i className="usage-key usage-traces" /> traces <i className="usage-key usage-errors" /> failed
        </span>
        <span>{buckets.length ? label(buckets[buckets.length - 1]!.start, unit) : ''}</span>
      </div>
    </div>
  )
}
