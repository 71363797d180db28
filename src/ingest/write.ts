import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { Transaction } from 'kysely'
import {
  allocateChangeSeqs,
  enqueueRollupsAndNotify,
  insertEvents,
  spanNamePaths,
  upsertPayloadOriginals,
  upsertSessions,
  upsertSpans,
  upsertTraces,
  type OriginalRow,
} from '../db/ingest-write.js'
import type { DB } from '../db/schema.js'
import type { PreparedBatch } from './prepare.js'
import { deriveSemanticId, RESERVED_ID_KEY } from './semantic-ids.js'

// The write path shared by sync ingest, async batch jobs, OTLP and seed: one prepared batch,
// written inside the caller's transaction in a fixed order (sessions, change numbers, traces,
// spans, events, originals, rollup jobs, notification).

export interface WriteResult {
  traces: number
  spans: number
  /** Events actually inserted (idempotency-key repeats are not counted). */
  events: number
  traceUuids: string[]
  maxSeq: number
}

export async function writePrepared(trx: Transaction<DB>, projectId: string, batch: PreparedBatch): Promise<WriteResult> {
  await upsertSessions(trx, projectId, batch.sessions)
  // Taken before the row writes: the touched traces' counter rows stay locked to commit, so
  // batches writing the same trace go one after the other (and lock rows in the same order).
  const seqBase = batch.seqCount > 0 ? await allocateChangeSeqs(trx, projectId, batch.traces.map((t) => t.trace_id), batch.seqCount) : 0
  const traceRows = await upsertTraces(trx, projectId, batch.traces, seqBase)
  const traceUuid = new Map(traceRows.map((r) => [r.trace_id, r.id]))
  const needSpanIds = batch.originals.some((o) => o.owner_kind === 'span')
  const spanRows = await upsertSpans(trx, projectId, batch.spans, seqBase, { returnIds: needSpanIds })
  const spanUuid = new Map(spanRows.map((r) => [`${r.trace_id}\u0000${r.span_id}`, r.id]))

  if (batch.semantic.length > 0) {
    const paths = await spanNamePaths(
      trx,
      projectId,
      batch.semantic.map((p) => ({ trace_id: p.event.trace_id, span_id: p.event.span_id })),
    )
    for (const p of batch.semantic) {
      const path = paths.get(`${p.event.trace_id}\u0000${p.event.span_id}`) ?? ''
      const id = deriveSemanticId(p.kind, path, p.discriminator, p.basis)
      const key = RESERVED_ID_KEY[p.kind]
      p.event.payload = { ...p.event.payload, [key]: id }
      if (p.original) {
        p.original.json = JSON.stringify({ ...(JSON.parse(p.original.json) as object), [key]: id })
        p.original.gzip = undefined
      }
    }
  }
  const inserted = await insertEvents(trx, projectId, batch.events, seqBase)

  if (batch.originals.length > 0) {
    const insertedSet = new Set(inserted)
    const rows: OriginalRow[] = []
    for (const o of batch.originals) {
      const tid = traceUuid.get(o.trace_ext)
      if (!tid) continue
      const ownerId = o.owner_kind === 'trace' ? tid : o.owner_kind === 'span' ? spanUuid.get(`${tid}\u0000${o.owner_ref}`) : o.owner_ref
      if (!ownerId || (o.owner_kind === 'event' && !insertedSet.has(ownerId))) continue
      const raw = Buffer.from(o.json, 'utf8')
      rows.push({
        trace_uuid: tid,
        owner_kind: o.owner_kind,
        owner_id: ownerId,
        field: o.field,
        body: (o.gzip ?? gzipSync(raw)).toString('base64'),
        byte_size: raw.length,
        sha256: createHash('sha256').update(raw).digest('hex'),
      })
    }
    await upsertPayloadOriginals(trx, projectId, rows)
  }

  const traceUuids = traceRows.map((r) => r.id)
  const maxSeq = seqBase + batch.seqCount - 1
  await enqueueRollupsAndNotify(trx, projectId, traceUuids, maxSeq)
  return { traces: batch.requested.traces, spans: batch.requested.spans, events: inserted.length, traceUuids, maxSeq }
}
