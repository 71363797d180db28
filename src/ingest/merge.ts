import type { IngestSpan, IngestTrace } from '../contract/ingest.js'

// Merging repeats of one trace or span inside a batch, by the rules the database applies to
// repeats across batches (see the upserts in src/db/ingest-write.ts).

/** A trace plus whether any of its repeats sent a status. */
export type TraceWithStatusFlag = IngestTrace & { statusSent: boolean }

/** Later non-null values win; metadata merges; start = least, end = greatest; failed is sticky. */
export function mergeTrace(a: TraceWithStatusFlag, b: IngestTrace): TraceWithStatusFlag {
  const out: TraceWithStatusFlag = { ...a }
  for (const [k, v] of Object.entries(b)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v
  out.metadata = { ...(a.metadata ?? {}), ...(b.metadata ?? {}) }
  if (!(b.tags && b.tags.length > 0)) out.tags = a.tags
  out.start_time = least(a.start_time, b.start_time) ?? undefined
  out.end_time = greatest(a.end_time, b.end_time) ?? undefined
  out.status = a.status === 'failed' && a.statusSent ? 'failed' : (b.status ?? a.status)
  out.statusSent = a.statusSent || b.status !== undefined
  return out
}

export function mergeSpan(a: IngestSpan, b: IngestSpan): IngestSpan {
  const out: IngestSpan = { ...a }
  for (const [k, v] of Object.entries(b)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v
  out.metadata = { ...(a.metadata ?? {}), ...(b.metadata ?? {}) }
  out.start_time = least(a.start_time, b.start_time)!
  out.end_time = greatest(a.end_time, b.end_time)
  if (b.type === undefined || b.type === 'default') out.type = a.type
  if (b.level === undefined || b.level === 'default') out.level = a.level
  out.status = a.status === 'failed' || b.status === undefined || b.status === 'running' ? (a.status ?? b.status) : b.status
  return out
}

function least(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null
  if (!b) return a
  return Date.parse(a) <= Date.parse(b) ? a : b
}

function greatest(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null
  if (!b) return a
  return Date.parse(a) >= Date.parse(b) ? a : b
}
