import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { ContinuaError } from '../errors.js'
import { ingestSync } from '../ingest/index.js'
import type { Logger } from '../logger.js'
import type { OtlpFormat } from './body.js'
import { decodeTraceRequest } from './decode.js'
import { parseJsonLossless } from './lossless-json.js'
import { normaliseSpans } from './normalise.js'
import { decodeProtobufTraceRequest } from './protobuf.js'

// One OTLP trace export: decode, normalise, write through the same path as /v1/ingest.

export interface ExportResult {
  acceptedSpans: number
  rejectedSpans: number
  /** Empty for full success; otherwise what OTLP calls partial_success.error_message. */
  errorMessage: string
  status: 'ok' | 'duplicate' | 'empty'
}

const MAX_LISTED_PROBLEMS = 20
/** Spans in one export; OTel SDKs batch 512 by default, so this only stops abuse. */
export const MAX_SPANS_PER_EXPORT = 10_000

export function decodeBody(body: Buffer, format: OtlpFormat): unknown {
  if (format === 'protobuf') return decodeProtobufTraceRequest(body)
  const text = body.toString('utf8')
  if (text.trim() === '') return {}
  try {
    return parseJsonLossless(text)
  } catch (err) {
    throw new ContinuaError('invalid_json', `OTLP body is not valid JSON: ${(err as Error).message}`)
  }
}

export async function exportTraces(
  db: Kysely<DB>,
  projectId: string,
  body: Buffer,
  format: OtlpFormat,
  options: { logger?: Logger; maxPayloadBytes?: number } = {},
): Promise<ExportResult> {
  const spans = decodeTraceRequest(decodeBody(body, format))
  if (spans.length > MAX_SPANS_PER_EXPORT) {
    throw new ContinuaError('payload_too_large', `OTLP export holds ${spans.length} spans; at most ${MAX_SPANS_PER_EXPORT} are accepted per request`)
  }
  const batch = normaliseSpans(spans)
  const problems = [...batch.problems]
  let status: ExportResult['status'] = 'empty'
  let rejected = batch.rejectedSpans
  const spanCount = batch.request.spans?.length ?? 0
  if (spanCount > 0) {
    const result = await ingestSync(db, projectId, batch.request, {
      mode: 'otlp',
      bodyHash: batch.contentHash,
      logger: options.logger,
      ...(options.maxPayloadBytes ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
    })
    status = result.status === 'duplicate' ? 'duplicate' : 'ok'
    rejected += result.rejected_count ?? 0
    problems.push(...(result.errors ?? []))
  }
  return {
    acceptedSpans: spanCount,
    rejectedSpans: rejected,
    errorMessage: summarise(problems),
    status,
  }
}

function summarise(problems: string[]): string {
  if (!problems.length) return ''
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ')
  return problems.length > MAX_LISTED_PROBLEMS ? `${listed}; and ${problems.length - MAX_LISTED_PROBLEMS} more` : listed
}
