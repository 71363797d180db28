import { id } from './decode.js'
import type { OtlpSpan } from './model.js'

// Logfire exports a "pending" twin when a span starts: its own span id, its parent being the
// real span, and `logfire.pending_parent_id` naming the real span's parent. Read as the real span
// in progress, a long-running step shows up before it ends; the twin itself is not stored. When
// the real span arrives, its end and status win (the write path never reopens a finished span).

export function isPendingTwin(span: OtlpSpan): boolean {
  return span.attributes['logfire.span_type'] === 'pending_span'
}

/** The running stand-in for the twin's real span, or undefined when the twin names none. */
export function pendingToRunning(twin: OtlpSpan): OtlpSpan | undefined {
  if (!twin.parentSpanId) return undefined
  const parentRaw = twin.attributes['logfire.pending_parent_id']
  const parent = typeof parentRaw === 'string' ? id(parentRaw, 8, 'logfire.pending_parent_id').hex : ''
  return {
    ...twin,
    spanId: twin.parentSpanId,
    parentSpanId: /^0*$/.test(parent) ? '' : parent,
    endTimeUnixNano: 0n,
    events: [],
    attributes: { ...twin.attributes, 'continua.pending_twin_span_id': twin.spanId },
  }
}

/** Twins first, so a real span in the same request replaces its stand-in. */
export function withPendingResolved(spans: OtlpSpan[]): { spans: OtlpSpan[]; dropped: number } {
  const twins: OtlpSpan[] = []
  const real: OtlpSpan[] = []
  let dropped = 0
  for (const span of spans) {
    if (!isPendingTwin(span)) real.push(span)
    else {
      const running = pendingToRunning(span)
      if (running) twins.push(running)
      else dropped++
    }
  }
  return { spans: [...twins, ...real], dropped }
}
