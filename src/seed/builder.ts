import type { IngestEvent, IngestRequest, IngestSpan, IngestTrace } from '../contract/ingest.js'

// A tiny builder for deterministic ingest batches: every timestamp is an offset in milliseconds
// from a fixed instant, every id is fixed, so two runs produce byte-identical batches.

export const SEED_EPOCH = Date.parse('2026-01-05T09:00:00.000Z')

export const ts = (ms: number): string => new Date(SEED_EPOCH + ms).toISOString()

export class TraceBuilder {
  readonly spans: IngestSpan[] = []
  readonly events: IngestEvent[] = []
  private eventSeq = 0

  constructor(readonly trace: IngestTrace) {}

  span(s: Omit<IngestSpan, 'trace_id' | 'start_time' | 'end_time'> & { start: number; end?: number }): string {
    const { start, end, ...rest } = s
    this.spans.push({
      trace_id: this.trace.trace_id,
      status: end === undefined ? 'running' : 'completed',
      ...rest,
      start_time: ts(start),
      ...(end !== undefined ? { end_time: ts(end) } : {}),
    })
    return s.span_id
  }

  event(spanId: string, at: number, e: Omit<IngestEvent, 'trace_id' | 'span_id' | 'event_ts' | 'sequence'>): void {
    this.events.push({ trace_id: this.trace.trace_id, span_id: spanId, event_ts: ts(at), sequence: ++this.eventSeq, ...e })
  }

  /** The trace as batches of at most `maxSpans` spans, keyed `<prefix>:<n>`. */
  batches(prefix: string, sessions: IngestRequest['sessions'], maxSpans = 500): IngestRequest[] {
    const out: IngestRequest[] = []
    for (let i = 0; i === 0 || i * maxSpans < this.spans.length; i++) {
      const spans = this.spans.slice(i * maxSpans, (i + 1) * maxSpans)
      const ids = new Set(spans.map((s) => s.span_id))
      out.push({
        batch_key: `${prefix}:${i + 1}`,
        ...(i === 0 ? { sessions, traces: [this.trace] } : {}),
        spans,
        events: this.events.filter((e) => ids.has(e.span_id)),
      })
    }
    return out
  }
}
