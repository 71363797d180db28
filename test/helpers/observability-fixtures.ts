import { sql, type Kysely } from 'kysely'
import type { DB, SessionRow, SpanRow, TraceRow } from '../../src/db/schema.js'

// Direct-SQL seeding for read-API tests: each write takes the next project change number, the
// way ingest stamps rows, and can announce itself on `continua_changes` like ingest does.

export interface TraceInput {
  trace_id: string
  session?: SessionRow
  name?: string
  user_id?: string
  status?: 'running' | 'completed' | 'failed'
  start?: string
  end?: string
  metadata?: Record<string, unknown>
  input?: unknown
  output?: unknown
  tags?: string[]
  environment?: string
  error_count?: number
  total_cost?: string
  total_tokens_in?: number
  total_tokens_out?: number
  total_spans?: number
  duration_ms?: number
}

export interface SpanInput {
  span_id: string
  parent?: string
  name: string
  type?: string
  status?: 'running' | 'completed' | 'failed'
  start: string
  end?: string
  prompt_tokens?: number
  completion_tokens?: number
  total_cost?: string
  model?: string
  status_message?: string
  input?: unknown
  output?: unknown
  metadata?: Record<string, unknown>
  duration_ms?: number
}

export interface EventInput {
  span_id: string
  event_type: DB['span_events']['event_type']
  ts?: string
  level?: 'debug' | 'info' | 'warning' | 'error'
  message?: string
  payload?: Record<string, unknown>
  sequence?: number
}

const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v))

export class Fixtures {
  constructor(
    readonly db: Kysely<DB>,
    readonly projectId: string,
  ) {}

  /** The next change number of a trace (its external id), as the write paths take them. */
  async nextSeq(traceId: string): Promise<number> {
    const res = await sql<{ last_seq: string }>`
      insert into trace_change_counters as c (project_id, trace_id, last_seq) values (${this.projectId}, ${traceId}, 1)
      on conflict (project_id, trace_id) do update set last_seq = c.last_seq + 1
      returning last_seq`.execute(this.db)
    return Number(res.rows[0]!.last_seq)
  }

  async notify(traceIds: string[], seq: number): Promise<void> {
    await sql`select pg_notify('continua_changes', ${JSON.stringify({ p: this.projectId, t: traceIds, s: seq })})`.execute(this.db)
  }

  async session(externalId: string, extra: { name?: string; user_id?: string; created_at?: string; metadata?: Record<string, unknown> } = {}): Promise<SessionRow> {
    return this.db
      .insertInto('sessions')
      .values({
        project_id: this.projectId,
        external_id: externalId,
        name: extra.name ?? null,
        user_id: extra.user_id ?? null,
        metadata: json(extra.metadata ?? {}),
        created_at: extra.created_at ? new Date(extra.created_at) : undefined,
        updated_at: extra.created_at ?? new Date(),
        last_activity_at: extra.created_at ?? new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  async trace(t: TraceInput): Promise<TraceRow> {
    const seq = await this.nextSeq(t.trace_id)
    const duration = t.duration_ms ?? (t.start && t.end ? Date.parse(t.end) - Date.parse(t.start) : null)
    return this.db
      .insertInto('traces')
      .values({
        project_id: this.projectId,
        trace_id: t.trace_id,
        session_id: t.session?.id ?? null,
        name: t.name ?? null,
        user_id: t.user_id ?? null,
        status: t.status ?? 'completed',
        status_explicit: true,
        start_time: t.start ?? null,
        end_time: t.end ?? null,
        duration_ms: duration,
        metadata: json(t.metadata ?? {}),
        input: json(t.input) ?? null,
        output: json(t.output) ?? null,
        tags: t.tags ?? [],
        environment: t.environment ?? null,
        error_count: t.error_count ?? 0,
        total_cost: t.total_cost ?? '0',
        total_tokens_in: t.total_tokens_in ?? 0,
        total_tokens_out: t.total_tokens_out ?? 0,
        total_cache_read_tokens: 0,
        total_cache_write_tokens: 0,
        total_reasoning_tokens: 0,
        total_spans: t.total_spans ?? 0,
        rolled_up_version: 0,
        version: 1,
        change_seq: seq,
        server_received_at: t.start ?? new Date(),
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  async span(trace: TraceRow, s: SpanInput): Promise<SpanRow> {
    const seq = await this.nextSeq(trace.trace_id)
    return this.db
      .insertInto('spans')
      .values({
        project_id: this.projectId,
        trace_id: trace.id,
        span_id: s.span_id,
        parent_span_id: s.parent ?? null,
        name: s.name,
        type: s.type ?? 'default',
        status: s.status ?? (s.end ? 'completed' : 'running'),
        status_message: s.status_message ?? null,
        start_time: s.start,
        end_time: s.end ?? null,
        duration_ms: s.duration_ms ?? (s.end ? Date.parse(s.end) - Date.parse(s.start) : null),
        prompt_tokens: s.prompt_tokens ?? null,
        completion_tokens: s.completion_tokens ?? null,
        total_cost: s.total_cost ?? null,
        model: s.model ?? null,
        input: json(s.input) ?? null,
        output: json(s.output) ?? null,
        metadata: json(s.metadata ?? {}),
        first_change_seq: seq,
        change_seq: seq,
        server_received_at: new Date(),
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  /** Updates a span as a later ingest batch would: a new change_seq, first_change_seq kept. */
  async finishSpan(trace: TraceRow, spanId: string, status: 'completed' | 'failed', end: string): Promise<number> {
    const seq = await this.nextSeq(trace.trace_id)
    await this.db
      .updateTable('spans')
      .set({ status, end_time: end, change_seq: seq, updated_at: new Date() })
      .where('trace_id', '=', trace.id)
      .where('span_id', '=', spanId)
      .execute()
    return seq
  }

  async event(trace: TraceRow, e: EventInput): Promise<{ id: string; change_seq: number }> {
    const seq = await this.nextSeq(trace.trace_id)
    const row = await this.db
      .insertInto('span_events')
      .values({
        project_id: this.projectId,
        trace_id: trace.id,
        span_id: e.span_id,
        event_type: e.event_type,
        level: e.level ?? 'info',
        event_ts: e.ts ?? null,
        message: e.message ?? null,
        payload: json(e.payload ?? {}),
        sequence: e.sequence ?? null,
        change_seq: seq,
        server_ingested_at: new Date(),
      })
      .returning(['id', 'change_seq'])
      .executeTakeFirstOrThrow()
    return { id: row.id, change_seq: Number(row.change_seq) }
  }
}

/** `2026-01-01T00:00:SSZ` plus milliseconds, for readable fixed timestamps. */
export function at(seconds: number, base = Date.parse('2026-01-01T00:00:00Z')): string {
  return new Date(base + seconds * 1000).toISOString()
}
