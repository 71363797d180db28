import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker'
import type { BackgroundWorker } from '../../src/jobs/worker.js'
import { DEFAULT_INGEST_SETTINGS } from '../../src/config.js'
import { INGEST_SWEEP_TASK } from '../../src/jobs/tasks/ingest.js'
import { startWorker } from '../../src/jobs/worker.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// Durable async ingest through a real graphile-worker runner, and the rollup job.

const T0 = '2026-04-01T08:00:00.000Z'
const T1 = '2026-04-01T08:00:02.000Z'
const T2 = '2026-04-01T08:00:05.000Z'

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('async ingest and rollups with a real worker', () => {
  let t: TestDatabase
  let server: TestServer
  let utils: WorkerUtils
  let key: string
  let runner: BackgroundWorker | undefined

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
    utils = await makeWorkerUtils({ pgPool: t.pool })
    key = (await createProject(t.db, 'async')).api_key
  })
  after(async () => {
    await runner?.stop()
    await utils.release()
    await server.close()
    await t.drop()
  })

  const start = async () => {
    runner = await startWorker({ db: t.db, pool: t.pool, logger: silentLogger, concurrency: 2, revokedKeyRetentionDays: 30 })
  }
  const stop = async () => {
    await runner?.stop()
    runner = undefined
  }
  const postAsync = (body: unknown) =>
    api(server.url, 'POST', '/v1/ingest', { body, headers: { 'x-api-key': key, 'X-Continua-Async-Version': '2' } })
  const batch = (id: string) => api(server.url, 'GET', `/v1/ingest/batches/${id}`, { headers: { 'x-api-key': key } })
  const batchDone = (id: string) => async () => {
    const res = await batch(id)
    return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : undefined
  }

  it('202 is durable: accepted with no worker running, completed once a worker starts', async () => {
    const res = await postAsync({
      batch_key: 'a-1',
      traces: [{ trace_id: 'tr-a1', name: 'async run' }],
      spans: [{ trace_id: 'tr-a1', span_id: 'root', name: 'root', start_time: T0, end_time: T1, status: 'completed' }],
      events: [{ trace_id: 'tr-a1', span_id: 'root', event_type: 'log', message: 'hello' }],
    })
    assert.equal(res.status, 202)
    assert.equal(res.body.status, 'accepted')
    const before = await batch(res.body.batch_id)
    assert.equal(before.body.status, 'accepted')
    const stored = await t.pool.query(`select byte_size from ingest_batch_payloads where batch_id = $1`, [res.body.batch_id])
    assert.equal(stored.rowCount, 1)
    // a repeat while queued is a duplicate of the same batch
    const dup = await postAsync({
      batch_key: 'a-1',
      traces: [{ trace_id: 'tr-a1', name: 'async run' }],
      spans: [{ trace_id: 'tr-a1', span_id: 'root', name: 'root', start_time: T0, end_time: T1, status: 'completed' }],
      events: [{ trace_id: 'tr-a1', span_id: 'root', event_type: 'log', message: 'hello' }],
    })
    assert.equal(dup.status, 202)
    assert.equal(dup.body.status, 'duplicate')
    assert.equal(dup.body.batch_id, res.body.batch_id)

    await start()
    const done = await waitFor('batch completion', batchDone(res.body.batch_id))
    assert.equal(done.status, 'completed')
    assert.equal(done.span_count, 1)
    assert.equal(done.event_count, 1)
    assert.equal(done.attempt_count, 1)
    const payload = await t.pool.query(`select 1 from ingest_batch_payloads where batch_id = $1`, [res.body.batch_id])
    assert.equal(payload.rowCount, 0, 'the raw payload is deleted with completion')
    await stop()
  })

  it('a batch left processing by a killed worker is resumed by a new worker', async () => {
    const res = await postAsync({
      batch_key: 'a-crash',
      spans: [{ trace_id: 'tr-crash', span_id: 's', name: 's', start_time: T0 }],
    })
    assert.equal(res.status, 202)
    const id = res.body.batch_id as string
    // The state a worker killed mid-batch leaves behind: the batch marked processing (its writes
    // rolled back with its connection) and its job still locked by the dead worker.
    await t.pool.query(
      `update ingest_batches set status = 'processing', attempt_count = 1, processing_started_at = now() - interval '10 minutes' where id = $1`,
      [id],
    )
    const locked = await t.pool.query(
      `update graphile_worker._private_jobs set locked_at = now() - interval '10 minutes', locked_by = 'dead-worker'
       where key = $1 returning id`,
      ['ingest_batch:' + id],
    )
    assert.equal(locked.rowCount, 1)
    await start()
    await utils.addJob(INGEST_SWEEP_TASK, {})
    const done = await waitFor('resumed batch', batchDone(id))
    assert.equal(done.status, 'completed')
    assert.equal(done.attempt_count, 2)
    const spans = await t.pool.query(`select count(*)::int as n from spans s join traces t on t.id = s.trace_id where t.trace_id = 'tr-crash'`)
    assert.equal(spans.rows[0].n, 1)
    await stop()
  })

  it('an undecodable stored payload fails the batch for good with the error', async () => {
    const res = await postAsync({ batch_key: 'a-bad', spans: [{ trace_id: 'tr-bad', span_id: 's', name: 's', start_time: T0 }] })
    await t.pool.query(`update ingest_batch_payloads set body = 'not gzip' where batch_id = $1`, [res.body.batch_id])
    await start()
    const done = await waitFor('failed batch', batchDone(res.body.batch_id))
    assert.equal(done.status, 'failed')
    assert.equal(done.last_error_code, 'payload_decode_error')
    assert.ok(done.last_error_message.length > 0)
    assert.ok(done.processing_completed_at)
    await stop()
  })

  it('rolls traces up: token buckets, exact cost, error events, derived status and end', async () => {
    const res = await api(server.url, 'POST', '/v1/ingest?sync=true', {
      headers: { 'x-api-key': key },
      body: {
        batch_key: 'roll-1',
        traces: [{ trace_id: 'tr-roll', name: 'rollup' }, { trace_id: 'tr-roll-fail', name: 'fails' }],
        spans: [
          { trace_id: 'tr-roll', span_id: 'root', name: 'root', start_time: T0, end_time: T2, status: 'completed' },
          {
            trace_id: 'tr-roll', span_id: 'llm-1', parent_span_id: 'root', name: 'llm', type: 'llm', start_time: T0, end_time: T1,
            status: 'completed', prompt_tokens: 100, completion_tokens: 50, cache_read_tokens: 10, cache_write_tokens: 5,
            reasoning_tokens: 7, total_cost: '0.1',
          },
          {
            trace_id: 'tr-roll', span_id: 'llm-2', parent_span_id: 'root', name: 'llm retry', type: 'llm', start_time: T1, end_time: T2,
            status: 'failed', prompt_tokens: 1000, completion_tokens: 500, model: 'gpt-4o',
          },
          { trace_id: 'tr-roll-fail', span_id: 'root', name: 'root', start_time: T0, end_time: T1, status: 'failed' },
        ],
        events: [
          { trace_id: 'tr-roll', span_id: 'llm-2', event_type: 'exception', payload: { exception_type: 'Timeout' } },
          { trace_id: 'tr-roll', span_id: 'llm-2', event_type: 'log', message: 'not an error' },
        ],
      },
    })
    assert.equal(res.status, 200)
    const derived = await t.pool.query(`select total_cost::text, cost_source, price_table_version from spans where span_id = 'llm-2'`)
    assert.deepEqual(derived.rows[0], { total_cost: '0.007500000000', cost_source: 'price_table', price_table_version: '2026-11-01' })
    await start()
    const trace = await waitFor('rollup', async () => {
      const { rows } = await t.pool.query(`select *, total_cost::text as cost from traces where trace_id = 'tr-roll' and total_spans = 3`)
      return rows[0]
    })
    assert.equal(Number(trace.total_tokens_in), 1100)
    assert.equal(Number(trace.total_tokens_out), 550)
    assert.equal(Number(trace.total_cache_read_tokens), 10)
    assert.equal(Number(trace.total_cache_write_tokens), 5)
    assert.equal(Number(trace.total_reasoning_tokens), 7)
    assert.equal(trace.cost, '0.107500000000')
    assert.equal(trace.error_count, 2, 'one failed span plus one exception event')
    assert.equal(trace.status, 'completed', 'a failed child under a completed root does not fail the run')
    assert.equal(new Date(trace.end_time).toISOString(), T2)
    assert.equal(Number(trace.duration_ms), 5000)
    const failing = await waitFor('failed rollup', async () => {
      const { rows } = await t.pool.query(`select status from traces where trace_id = 'tr-roll-fail' and total_spans = 1`)
      return rows[0]
    })
    assert.equal(failing.status, 'failed')
    await stop()
  })

  it('with CONTINUA_INGEST_DEFAULT_MODE=async a plain request is stored for the worker', async () => {
    const asyncServer = await startTestServer(t.db, { ingest: { ...DEFAULT_INGEST_SETTINGS, defaultMode: 'async' } })
    try {
      const res = await api(asyncServer.url, 'POST', '/v1/ingest', {
        body: { batch_key: 'default-async', spans: [{ trace_id: 'tr-da', span_id: 's', name: 's', start_time: T0 }] },
        headers: { 'x-api-key': key },
      })
      assert.equal(res.status, 202)
      assert.equal(res.body.status, 'accepted')
      const row = await t.pool.query(`select mode, status from ingest_batches where id = $1`, [res.body.batch_id])
      assert.deepEqual(row.rows[0], { mode: 'async', status: 'queued' })
    } finally {
      await asyncServer.close()
    }
  })

  it('50 racing identical async requests store one payload and enqueue one job', async () => {
    const body = { batch_key: 'async-race', spans: [{ trace_id: 'tr-ar', span_id: 's', name: 's', start_time: T0 }] }
    const results = await Promise.all(Array.from({ length: 50 }, () => postAsync(body)))
    assert.ok(results.every((r) => r.status === 202))
    assert.equal(results.filter((r) => r.body.status === 'accepted').length, 1)
    assert.equal(new Set(results.map((r) => r.body.batch_id)).size, 1)
    const id = results[0]!.body.batch_id as string
    const { rows } = await t.pool.query(
      `select (select count(*)::int from ingest_batch_payloads where batch_id = $1) as payloads,
              (select count(*)::int from graphile_worker.jobs where key = 'ingest_batch:' || $1::text) as jobs`,
      [id],
    )
    assert.deepEqual(rows[0], { payloads: 1, jobs: 1 })
    const conflict = await postAsync({ ...body, spans: [] })
    assert.equal(conflict.status, 409)
  })

  it('the sweep gives up on a batch that keeps killing its workers', async () => {
    const res = await postAsync({ batch_key: 'a-poison', spans: [{ trace_id: 'tr-poison', span_id: 's', name: 's', start_time: T0 }] })
    const id = res.body.batch_id as string
    await t.pool.query(
      `update ingest_batches set status = 'processing', attempt_count = 30, processing_started_at = now() - interval '1 hour' where id = $1`,
      [id],
    )
    await t.pool.query(`delete from graphile_worker._private_jobs where key = $1`, ['ingest_batch:' + id])
    await start()
    await utils.addJob(INGEST_SWEEP_TASK, {})
    const done = await waitFor('given-up batch', batchDone(id))
    assert.equal(done.status, 'failed')
    assert.equal(done.last_error_code, 'retries_exhausted')
    await stop()
  })
})
