import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { EVENT_KINDS } from '../../src/contract/ingest.js'
import { ingestSync } from '../../src/ingest/index.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

// The shared write path, called directly (as OTLP and seed do): patch semantics, placeholders,
// sessions, change numbers, event dedupe.

const T0 = '2026-01-02T03:04:05.000Z'
const T1 = '2026-01-02T03:04:06.000Z'
const T2 = '2026-01-02T03:04:09.500Z'

describe('ingest write path', () => {
  let t: TestDatabase
  let projectId: string
  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'write-path')).id
  })
  after(async () => {
    await t.drop()
  })

  const q = async (text: string, params: unknown[] = []) => (await t.pool.query(text, params)).rows

  it('writes traces, spans and events in one batch and reports counts', async () => {
    const res = await ingestSync(t.db, projectId, {
      batch_key: 'b1',
      traces: [{ trace_id: 'tr-1', name: 'agent run', session_id: 'sess-1', user_id: 'u-1', metadata: { a: 1 } }],
      spans: [
        { trace_id: 'tr-1', span_id: 'root', name: 'plan', start_time: T0, type: 'agent' },
        { trace_id: 'tr-1', span_id: 'llm', parent_span_id: 'root', name: 'call', start_time: T1, end_time: T2, type: 'llm', status: 'completed' },
      ],
      events: [
        { trace_id: 'tr-1', span_id: 'llm', event_type: 'log', message: 'hi', idempotency_key: 'e1' },
        { trace_id: 'tr-1', span_id: 'llm', event_type: 'log', message: 'dup in batch', idempotency_key: 'e1' },
        { trace_id: 'tr-1', span_id: 'llm', event_type: 'error', message: 'boom' },
      ],
    })
    assert.equal(res.status, 'ok')
    assert.equal(res.trace_count, 1)
    assert.equal(res.span_count, 2)
    assert.equal(res.event_count, 2)
    assert.equal(res.accepted_count, 5)
    const [trace] = await q(`select * from traces where project_id = $1 and trace_id = 'tr-1'`, [projectId])
    assert.equal(trace.name, 'agent run')
    assert.equal(trace.placeholder, false)
    const spans = await q(`select span_id, duration_ms, change_seq, first_change_seq from spans where trace_id = $1 order by span_id`, [trace.id])
    assert.equal(spans.length, 2)
    assert.equal(spans[0].span_id, 'llm')
    assert.equal(Number(spans[0].duration_ms), 3500)
    const [session] = await q(`select * from sessions where project_id = $1`, [projectId])
    assert.equal(session.external_id, 'sess-1')
    assert.equal(session.user_id, 'u-1', 'native ingest fills the session user (defect 12)')
    assert.equal(trace.session_id, session.id)
    // every row got its own change number from its trace's counter
    const seqs = await q(
      `select change_seq from traces where project_id = $1 union all select change_seq from spans where project_id = $1
       union all select change_seq from span_events where project_id = $1`,
      [projectId],
    )
    const values = seqs.map((r) => Number(r.change_seq)).sort((a, b) => a - b)
    assert.equal(new Set(values).size, values.length)
    const [counter] = await q(`select max(last_seq) as last_seq from trace_change_counters where project_id = $1`, [projectId])
    assert.ok(Number(counter.last_seq) >= Math.max(...values))
  })

  it('patches: null never overwrites, metadata merges, least start, greatest end, failed sticks', async () => {
    await ingestSync(t.db, projectId, {
      batch_key: 'p1',
      traces: [{ trace_id: 'tr-p', name: 'first', metadata: { a: 1, b: 1 }, status: 'failed', start_time: T1 }],
      spans: [{ trace_id: 'tr-p', span_id: 's', name: 'n', start_time: T1, end_time: T1, status: 'failed', model: 'gpt-4o' }],
    })
    await ingestSync(t.db, projectId, {
      batch_key: 'p2',
      traces: [{ trace_id: 'tr-p', metadata: { b: 2, c: 3 }, status: 'completed', start_time: T0, end_time: T2 }],
      spans: [{ trace_id: 'tr-p', span_id: 's', name: 'n', start_time: T0, end_time: T2, status: 'completed' }],
    })
    const [trace] = await q(`select * from traces where project_id = $1 and trace_id = 'tr-p'`, [projectId])
    assert.equal(trace.name, 'first')
    assert.deepEqual(trace.metadata, { a: 1, b: 2, c: 3 })
    assert.equal(trace.status, 'failed')
    assert.equal(new Date(trace.start_time).toISOString(), T0)
    assert.equal(new Date(trace.end_time).toISOString(), T2)
    const [span] = await q(`select * from spans where trace_id = $1`, [trace.id])
    assert.equal(span.status, 'failed')
    assert.equal(span.model, 'gpt-4o')
    assert.equal(Number(span.duration_ms), 4500)
    assert.ok(Number(span.change_seq) > Number(span.first_change_seq))
  })

  it('stores orphans under a placeholder trace that heals when the trace arrives', async () => {
    await ingestSync(t.db, projectId, {
      batch_key: 'o1',
      spans: [{ trace_id: 'tr-late', span_id: 'child', parent_span_id: 'missing-parent', name: 'c', start_time: T1 }],
      events: [{ trace_id: 'tr-late', span_id: 'child', event_type: 'message', message: 'early' }],
    })
    let [trace] = await q(`select * from traces where project_id = $1 and trace_id = 'tr-late'`, [projectId])
    assert.equal(trace.placeholder, true)
    await ingestSync(t.db, projectId, { batch_key: 'o2', traces: [{ trace_id: 'tr-late', name: 'arrived' }] })
    ;[trace] = await q(`select * from traces where project_id = $1 and trace_id = 'tr-late'`, [projectId])
    assert.equal(trace.placeholder, false)
    assert.equal(trace.name, 'arrived')
    const [{ n }] = await q(`select count(*)::int as n from spans where trace_id = $1`, [trace.id])
    assert.equal(n, 1)
  })

  it('dedupes events by idempotency key across batches and returns duplicate for a repeated batch', async () => {
    const body = { batch_key: 'ev1', events: [{ trace_id: 'tr-e', span_id: 's', message: 'x', idempotency_key: 'k-1' }] }
    const first = await ingestSync(t.db, projectId, body)
    assert.equal(first.event_count, 1)
    const again = await ingestSync(t.db, projectId, body)
    assert.equal(again.status, 'duplicate')
    assert.equal(again.batch_id, first.batch_id)
    const other = await ingestSync(t.db, projectId, { ...body, batch_key: 'ev2' })
    assert.equal(other.status, 'ok')
    assert.equal(other.event_count, 0)
  })

  it('notifies continua_changes on commit with the project, traces and highest change number', async () => {
    const listener = new pg.Client({ connectionString: t.url })
    await listener.connect()
    try {
      const received: string[] = []
      listener.on('notification', (n) => received.push(n.payload ?? ''))
      await listener.query('listen continua_changes')
      const res = await ingestSync(t.db, projectId, {
        batch_key: 'notify-1',
        spans: [{ trace_id: 'tr-n1', span_id: 'a', name: 'a', start_time: T0 }, { trace_id: 'tr-n2', span_id: 'b', name: 'b', start_time: T0 }],
      })
      assert.equal(res.status, 'ok')
      const deadline = Date.now() + 5000
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      const msg = JSON.parse(received[0]!) as { p: string; t: string[]; s: number }
      assert.equal(msg.p, projectId)
      const { rows } = await t.pool.query(
        `select id, change_seq from traces where project_id = $1 and trace_id in ('tr-n1', 'tr-n2') order by id`,
        [projectId],
      )
      assert.deepEqual(msg.t, rows.map((r) => r.id))
      const [{ max }] = await q(`select max(change_seq)::int as max from spans where project_id = $1`, [projectId])
      assert.equal(msg.s, max)
    } finally {
      await listener.end()
    }
  })

  it('stores all 11 event kinds with the default level info', async () => {
    const res = await ingestSync(t.db, projectId, {
      batch_key: 'kinds',
      events: EVENT_KINDS.map((kind, i) => ({ trace_id: 'tr-kinds', span_id: 's', event_type: kind, sequence: i, payload: { i } })),
    })
    assert.equal(res.event_count, 11)
    const rows = await q(
      `select e.event_type, e.level from span_events e join traces t on t.id = e.trace_id where t.trace_id = 'tr-kinds' order by e.sequence`,
    )
    assert.deepEqual(rows.map((r) => r.event_type), [...EVENT_KINDS])
    assert.ok(rows.every((r) => r.level === 'info'))
  })

  it('refuses payloads nested too deeply instead of crashing', async () => {
    let deep: unknown = 1
    for (let i = 0; i < 200; i++) deep = [deep]
    await assert.rejects(
      ingestSync(t.db, projectId, { batch_key: 'deep', traces: [{ trace_id: 'tr-deep', input: deep }] }),
      (err: Error & { code?: string }) => err.code === 'validation_error' && /nested more than 128/.test(err.message),
    )
    await assert.rejects(
      ingestSync(t.db, projectId, { batch_key: 'nul', events: [{ trace_id: 'tr-nul', span_id: 's', payload: { text: 'a\u0000b' } }] }),
      (err: Error & { code?: string }) => err.code === 'validation_error' && err.message.startsWith('events[0].payload.text: '),
    )
  })

  it('merges repeats of a trace or span inside one batch by the same rules', async () => {
    const res = await ingestSync(t.db, projectId, {
      batch_key: 'repeats',
      traces: [
        { trace_id: 'tr-rep', name: 'first', metadata: { a: 1 }, start_time: T1 },
        { trace_id: 'tr-rep', metadata: { b: 2 }, start_time: T0, status: 'completed' },
      ],
      spans: [
        { trace_id: 'tr-rep', span_id: 's', name: 'n', start_time: T1, input: { q: 1 }, type: 'llm', metadata: { x: 1 } },
        { trace_id: 'tr-rep', span_id: 's', name: 'n', start_time: T0, end_time: T2, status: 'completed', metadata: { y: 2 } },
      ],
    })
    assert.equal(res.trace_count, 2)
    assert.equal(res.span_count, 2)
    const [trace] = await q(`select * from traces where project_id = $1 and trace_id = 'tr-rep'`, [projectId])
    assert.equal(trace.name, 'first')
    assert.deepEqual(trace.metadata, { a: 1, b: 2 })
    assert.equal(new Date(trace.start_time).toISOString(), T0)
    assert.equal(trace.status, 'completed')
    assert.equal(trace.status_explicit, true)
    const spans = await q(`select * from spans where trace_id = $1`, [trace.id])
    assert.equal(spans.length, 1)
    assert.deepEqual(spans[0].input, { q: 1 })
    assert.equal(spans[0].type, 'llm')
    assert.equal(spans[0].status, 'completed')
    assert.deepEqual(spans[0].metadata, { x: 1, y: 2 })
    assert.equal(Number(spans[0].duration_ms), 4500)
  })
})
