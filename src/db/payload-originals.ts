import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

// Reading back a payload in full: the kept original when the stored copy was truncated, else the
// stored value itself. Scoped by project like every read (undefined scope = unbounded operator).

export type PayloadOwnerKind = 'trace' | 'span' | 'event'
export type PayloadField = 'input' | 'output' | 'metadata' | 'payload'

const OWNER_COLUMNS: Record<PayloadOwnerKind, Partial<Record<PayloadField, { value: string; truncated: string | null }>>> = {
  trace: {
    input: { value: 'input', truncated: 'input_truncated' },
    output: { value: 'output', truncated: 'output_truncated' },
    metadata: { value: 'metadata', truncated: null },
  },
  span: {
    input: { value: 'input', truncated: 'input_truncated' },
    output: { value: 'output', truncated: 'output_truncated' },
    metadata: { value: 'metadata', truncated: 'metadata_truncated' },
  },
  event: { payload: { value: 'payload', truncated: 'truncated' } },
}

const OWNER_TABLE: Record<PayloadOwnerKind, { table: string; traceColumn: string }> = {
  trace: { table: 'traces', traceColumn: 'id' },
  span: { table: 'spans', traceColumn: 'trace_id' },
  event: { table: 'span_events', traceColumn: 'trace_id' },
}

export function isPayloadField(kind: PayloadOwnerKind, field: string): field is PayloadField {
  return field in OWNER_COLUMNS[kind]
}

export interface FullPayload {
  /** JSON text of the full value ('null' when the owner has none). */
  json: string
  truncatedInStorage: boolean
  originalGzip?: Buffer
  byteSize?: number
}

export async function readFullPayload(
  db: Kysely<DB>,
  scope: string | undefined,
  traceId: string,
  kind: PayloadOwnerKind,
  ownerId: string,
  field: PayloadField,
): Promise<FullPayload | undefined> {
  const cols = OWNER_COLUMNS[kind][field]!
  const { table, traceColumn } = OWNER_TABLE[kind]
  const truncatedExpr = cols.truncated ? sql.ref(`o.${cols.truncated}`) : sql`false`
  const { rows } = await sql<{ value_json: string | null; truncated: boolean; body: Buffer | null; byte_size: number | null }>`
    select o.${sql.ref(cols.value)}::text as value_json, ${truncatedExpr} as truncated, po.body, po.byte_size
    from ${sql.table(table)} o
    left join payload_originals po on po.owner_kind = ${kind} and po.owner_id = o.id and po.field = ${field}
    where o.id = ${ownerId}::uuid and o.${sql.ref(traceColumn)} = ${traceId}::uuid
      and (${scope ?? null}::uuid is null or o.project_id = ${scope ?? null}::uuid)
  `.execute(db)
  const row = rows[0]
  if (!row) return undefined
  if (row.truncated && row.body) return { json: '', truncatedInStorage: true, originalGzip: row.body, byteSize: row.byte_size ?? undefined }
  return { json: row.value_json ?? 'null', truncatedInStorage: row.truncated }
}
