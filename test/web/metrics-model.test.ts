import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Span, TimelineEvent } from '../../server/web/src/api.js'
import { downsample, metricEventSeries, spanDurationSeries, sparklinePath } from '../../server/web/src/metrics-model.js'

// The Metrics section's per-span sparklines: grouping, time order, downsampling, the SVG path.

let n = 0
function span(name: string, startSec: number, ms: number | undefined, status: Span['status'] = 'COMPLETED'): Span {
  n++
  const started = new Date(Date.UTC(2026, 0, 1, 0, 0, startSec))
  return {
    id: `id-${n}`,
    trace_id: 't',
    span_id: `s${n}`,
    name,
    kind: 'LLM',
    type: 'llm',
    status,
    level: 'DEFAULT',
    started_at: started.toISOString(),
    ended_at: ms === undefined ? undefined : new Date(started.getTime() + ms).toISOString(),
    latency_ms: ms,
    input_truncated: false,
    output_truncated: false,
    change_seq: n,
  } as Span
}

describe('metrics model', () => {
  it('groups durations by span name in start order, largest total first', () => {
    // Given out of order on purpose.
    const spans = [span('plan', 30, 300), span('search', 5, 50), span('plan', 10, 100), span('plan', 20, 900, 'FAILED'), span('search', 1, 40), span('open', 2, undefined)]
    const { series, groups } = spanDurationSeries(spans)
    assert.equal(groups, 2, 'a span still open has no duration yet')
    assert.deepEqual(series.map((s) => s.label), ['plan', 'search'])
    const plan = series[0]!
    assert.deepEqual(plan.points, [100, 900, 300])
    assert.deepEqual([plan.count, plan.min, plan.max, plan.last, plan.p50, plan.total, plan.failed], [3, 100, 900, 300, 300, 1300, 1])
    assert.equal(plan.slowestId, spans[3]!.id)
    assert.deepEqual(series[1]!.points, [40, 50])
    assert.equal(series[1]!.p50, 45)
    assert.equal(spanDurationSeries(spans, { limit: 1 }).series.length, 1)
  })

  it('keeps spikes when downsampling, and bounds the points', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i === 777 ? 5000 : i % 10))
    const d = downsample(values, 50)
    assert.equal(d.length, 50)
    assert.ok(d.includes(5000))
    assert.deepEqual(downsample([1, 2, 3], 50), [1, 2, 3])
    // 10,000 spans of one name still give a bounded series, quickly.
    const many = Array.from({ length: 10_000 }, (_, i) => span(i % 2 ? 'llm call' : 'tool call', i, (i * 7) % 113))
    const t0 = performance.now()
    const { series } = spanDurationSeries(many, { maxPoints: 60 })
    assert.ok(performance.now() - t0 < 500)
    assert.ok(series.every((s) => s.points.length === 60 && s.count === 5000))
  })

  it('charts metric events per span and metric name in time order, skipping non-numbers', () => {
    const ev = (span_name: string, sec: number, payload: Record<string, unknown>, event_type = 'metric') =>
      ({ id: `e${sec}`, trace_id: 't', span_id: span_name, span_name, event_type, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, sec)).toISOString(), source: 'explicit', payload, change_seq: sec }) as TimelineEvent
    const series = metricEventSeries([
      ev('search', 3, { metric_name: 'latency', metric_value: 30, metric_unit: 'ms' }),
      ev('search', 1, { metric_name: 'latency', metric_value: 10, metric_unit: 'ms' }),
      ev('search', 2, { metric_name: 'hits', metric_value: '4' }),
      ev('search', 4, { metric_name: 'latency', metric_value: 'n/a' }),
      ev('search', 5, { metric_name: 'latency', metric_value: 99 }, 'log'),
    ])
    assert.deepEqual(
      series.map((s) => [s.label, s.points, s.unit]),
      [
        ['search · latency', [10, 30], 'ms'],
        ['search · hits', [4], undefined],
      ],
    )
  })

  it('draws a polyline within the box', () => {
    assert.equal(sparklinePath([], 100, 20), '')
    assert.equal(sparklinePath([5], 100, 20), '50,10')
    const pts = sparklinePath([0, 10, 5], 100, 20).split(' ').map((p) => p.split(',').map(Number))
    assert.deepEqual(pts.map((p) => p[0]), [0, 50, 100])
    assert.equal(pts[0]![1], 19)
    assert.equal(pts[1]![1], 1)
  })
})
