import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { deleteFailedBatchPayloadsOlderThan } from '../../src/db/ingest-batches.js'
import { deleteExpiredTraces } from '../../src/db/ingest-retention.js'
import { ingestSync } from '../../src/ingest/index.js'
import { findModelPrice, priceTokens } from '../../src/ingest/pricing.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

// Sessions, concurrency, pricing and retention rules of the ingest pipeline.

const T0 = '2026-06-01T00:00:00.000Z'

describe('price table', () => {
  it('derives exact decimal costs by model, matching dated and provider-prefixed names', () => {
    assert.equal(
      priceTokens('claude-3-5-sonnet-20241022', { prompt: 1000, completion: 100, cacheRead: 2000, cacheWrite: 500 }),
      '0.006975000000',
    )
    assert.equal(findModelPrice('openai/gpt-4o-mini-2024-07-18')?.name, 'gpt-4o-mini')
    assert.equal(priceTokens('gpt-4o', { prompt: 1, completion: 0 }), '0.000002500000')
    assert.equal(priceTokens('unknown-model', { prompt: 5 }), undefined)
    assert.equal(priceTokens('gpt-4o', {}), undefined)
    // large counts stay exact (no float rounding)
    assert.equal(priceTokens('o1', { prompt: 123_456_789_012, completion: 0 }), '1851851.835180000000')
  })
})

describe('ingest rules against Postgres', () => {
  let t: TestDatabase
  let projectId: string
  before(async () => {
    t = await createTestDatabase()
    projectId = (await createProject(t.db, 'rules')).id
  })
  after(async () => {
    await t.drop()
  })

  it('upserts sessions from sessions[] and traces: first non-empty name/user wins, metadata merges', async () => {
    await ingestSync(t.db, projectId, {
      batch_key: 'sess-1',
      sessions: [{ session_id: 'chat-1', name: 'Support chat', metadata: { channel: 'web' } }],
      traces: [{ trace_id: 'tr-s1', session_id: 'chat-1', user_id: 'alice' }],
    })
    await ingestSync(t.db, projectId, {
      batch_key: 'sess-2',
      sessions: [{ session_id: 'chat-1', name: 'Renamed?', user_id: 'bob', metadata: { channel: 'api', lang: 'en' } }],
      traces: [{ trace_id: 'tr-s2', session_id: 'chat-1', user_id: 'carol' }],
    })
    const { rows } = await t.pool.query(`select * from sessions where project_id = $1 and external_id = 'chat-1'`, [projectId])
    assert.equal(rows.length, 1)
    assert.equal(rows[0].name, 'Support chat')
    assert.equal(rows[0].user_id, 'alice')
    assert.deepEqual(rows[0].metadata, { channel: 'web', lang: 'en' })
    const traces = await t.pool.query(`select count(*)::int as n from traces where session_id = $1`, [rows[0].id])
    assert.equal(traces.rows[0].n, 2)
  })

  it('concurrent batches over the same traces in different orders all succeed (no deadlocks)', async () => {
    const traceIds = ['c-a', 'c-b', 'c-c', 'c-d', 'c-e']
    const batches = Array.from({ length: 12 }, (_, b) => {
      const order = b % 2 === 0 ? traceIds : [...traceIds].reverse()
      return {
        batch_key: `conc-${b}`,
        traces: order.map((id) => ({ trace_id: id, metadata: { [`b${b}`]: true } })),
        spans: order.flatMap((id) => [0, 1, 2].map((i) => ({ trace_id: id, span_id: `s${i}`, name: 'n', start_time: T0, metadata: { [`b${b}`]: i } }))),
        events: order.map((id) => ({ trace_id: id, span_id: 's0', message: `from ${b}` })),
      }
    })
    const results = await Promise.all(batches.map((b) => ingestSync(t.db, projectId, b)))
    assert.ok(results.every((r) => r.status === 'ok'))
    const { rows } = await t.pool.query(
      `select t.trace_id, t.metadata, (select count(*)::int from spans s where s.trace_id = t.id) as spans,
              (select count(*)::int from span_events e where e.trace_id = t.id) as events
       from traces t where t.project_id = $1 and t.trace_id like 'c-%' order by t.trace_id`,
      [projectId],
    )
    assert.equal(rows.length, 5)
    for (const r of rows) {
      assert.equal(r.spans, 3)
      assert.equal(r.events, 12)
      assert.equal(Object.keys(r.metadata).length, 12, 'every batch merged its metadata key')
    }
    // change numbers are unique across everything written
    const seqs = await t.pool.query(
      `select change_seq from span_events where project_id = $1 union all select first_change_seq from spans where project_id = $1`,
      [projectId],
    )
    const values = seqs.rows.map((r) => Number(r.change_seq))
    assert.equal(new Set(values).size, values.length)
  })

  it('retention deletes traces past the project setting and failed payloads past their age', async () => {
    const keep = await createProject(t.db, 'keeps-forever')
    const short = await createProject(t.db, 'short-retention')
    await t.pool.query(`update projects set settings = '{"retention_days": 3}' where id = $1`, [short.id])
    for (const p of [keep.id, short.id]) {
      await ingestSync(t.db, p, { batch_key: 'old', spans: [{ trace_id: 'old', span_id: 's', name: 'n', start_time: T0 }] })
      await ingestSync(t.db, p, { batch_key: 'new', spans: [{ trace_id: 'new', span_id: 's', name: 'n', start_time: T0 }] })
      await t.pool.query(
        `update traces set server_received_at = now() - interval '10 days', updated_at = now() - interval '10 days',
           start_time = now() - interval '10 days', end_time = null where project_id = $1 and trace_id = 'old'`,
        [p],
      )
      await t.pool.query(`update traces set start_time = now() where project_id = $1 and trace_id = 'new'`, [p])
    }
    const deleted = await deleteExpiredTraces(t.db)
    assert.equal(deleted, 1)
    const left = await t.pool.query(
      `select p.name, t.trace_id from traces t join projects p on p.id = t.project_id where p.id = any($1) order by 1, 2`,
      [[keep.id, short.id]],
    )
    assert.deepEqual(left.rows.map((r) => `${r.name}/${r.trace_id}`), ['keeps-forever/new', 'keeps-forever/old', 'short-retention/new'])
    const spans = await t.pool.query(`select count(*)::int as n from spans where project_id = $1`, [short.id])
    assert.equal(spans.rows[0].n, 1, 'spans go with their trace')
    const counters = await t.pool.query(`select trace_id from trace_change_counters where project_id = $1 order by 1`, [short.id])
    assert.deepEqual(counters.rows.map((r) => r.trace_id), ['new'], 'the change counter goes with its trace')

    // failed batch payloads
    const { rows: batches } = await t.pool.query(
      `insert into ingest_batches (project_id, batch_key, body_hash, mode, status, processing_completed_at) values
         ($1, 'failed-old', 'h', 'async', 'failed', now() - interval '30 days'),
         ($1, 'failed-new', 'h', 'async', 'failed', now() - interval '1 day'),
         ($1, 'queued-old', 'h', 'async', 'queued', null)
       returning id, batch_key`,
      [projectId],
    )
    for (const b of batches) await t.pool.query(`insert into ingest_batch_payloads (batch_id, body, byte_size) values ($1, '\\x00', 1)`, [b.id])
    assert.equal(await deleteFailedBatchPayloadsOlderThan(t.db, 7), 1)
    const remaining = await t.pool.query(
      `select b.batch_key from ingest_batch_payloads p join ingest_batches b on b.id = p.batch_id where b.project_id = $1 order by 1`,
      [projectId],
    )
    assert.deepEqual(remaining.rows.map((r) => r.batch_key), ['failed-new', 'queued-old'])
  })

  it('coalesces rollups: a burst of batches for one trace leaves one pending job', async () => {
    for (let i = 0; i < 6; i++) {
      await ingestSync(t.db, projectId, { batch_key: `burst-${i}`, spans: [{ trace_id: 'tr-burst', span_id: `s${i}`, name: 'n', start_time: T0 }] })
    }
    const { rows } = await t.pool.query(
      `select count(*)::int as n from graphile_worker.jobs j join traces t on j.key = 'trace_rollup:' || t.id::text
       where t.project_id = $1 and t.trace_id = 'tr-burst'`,
      [projectId],
    )
    assert.equal(rows[0].n, 1)
  })
})
