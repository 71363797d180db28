import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { BackgroundWorker } from '../../src/jobs/worker.js'
import { DEFAULT_INGEST_SETTINGS } from '../../src/config.js'
import { startWorker } from '../../src/jobs/worker.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { Continua, currentSpan, currentTrace, type IngestFailure } from '../../sdks/typescript/src/index.js'
import { ROOT } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { normalisedRows, startFaultProxy, waitFor } from './helpers.js'

// The TypeScript SDK's tracing half against the real server and database.

const quiet = { debug() {}, warn() {}, error() {} }

describe('TypeScript SDK: tracing', () => {
  let t: TestDatabase
  let server: TestServer
  let runner: BackgroundWorker
  let key: string
  let projectId: string
  const clients: Continua[] = []
  const client = (opts: ConstructorParameters<typeof Continua>[0] = {}) => {
    const c = new Continua({ apiKey: key, endpoint: server.url, ingestMode: 'sync', flushInterval: 0, flushOnExit: false, logger: quiet, ...opts })
    clients.push(c)
    return c
  }

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
    const project = await createProject(t.db, 'sdk-ts')
    key = project.api_key
    projectId = project.id
    runner = await startWorker({ db: t.db, pool: t.pool, logger: silentLogger, concurrency: 2, revokedKeyRetentionDays: 30 })
  })
  after(async () => {
    for (const c of clients) await c.shutdown().catch(() => {})
    await runner?.stop()
    await server?.close()
    await t?.drop()
  })

  const spanRow = async (spanId: string) => (await t.pool.query('select * from spans where span_id = $1 and project_id = $2', [spanId, projectId])).rows[0]

  it('keeps trace and span context across awaits, even for interleaved concurrent traces', async () => {
    const c = client()
    const run = (label: string, delay: number) =>
      c.trace(`ctx-${label}`, async (trace) => {
        await c.span('outer', async (outer) => {
          await new Promise((r) => setTimeout(r, delay))
          await c.span('inner', async (inner) => {
            await new Promise((r) => setTimeout(r, delay))
            assert.equal(currentSpan(), inner)
            assert.equal(currentTrace(), trace)
            inner.setOutput(label)
          })
          assert.equal(currentSpan(), outer)
        })
        return { label }
      })
    await Promise.all([run('a', 20), run('b', 5), run('c', 10)])
    assert.equal(currentTrace(), undefined)
    const ids = await c.flush()
    assert.ok(ids.length >= 1, 'flush returns the batch ids')
    const rows = await t.pool.query(
      `select t.name as trace, s.name, s.output, p.name as parent from spans s join traces t on t.id = s.trace_id
       left join spans p on p.trace_id = s.trace_id and p.span_id = s.parent_span_id where t.name like 'ctx-%' order by t.name, s.depth`,
    )
    assert.deepEqual(
      rows.rows.map((r) => [r.trace, r.name, r.parent, r.output]),
      ['a', 'b', 'c'].flatMap((l) => [[`ctx-${l}`, 'outer', null, null], [`ctx-${l}`, 'inner', 'outer', l]]),
    )
    const traces = await t.pool.query(`select name, status, output from traces where name like 'ctx-%' order by name`)
    assert.deepEqual(traces.rows.map((r) => [r.name, r.status, r.output]), [['ctx-a', 'completed', { label: 'a' }], ['ctx-b', 'completed', { label: 'b' }], ['ctx-c', 'completed', { label: 'c' }]])
  })

  it('sends a span when it starts (visible live as running) and again when it ends; input set late is kept', async () => {
    const c = client()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let spanId = ''
    const done = c.trace('live', async (trace) => {
      await c.span('slow step', async (span) => {
        spanId = span.id
        await gate
        span.setTokens({ prompt: 10, completion: 5, cacheRead: 3, cacheWrite: 2, reasoning: 1 }).setModel('gpt-4o', 'openai').setCost('0.001234')
      })
      trace.setInput({ question: 'set after start' })
    })
    await waitFor('span to start', async () => spanId)
    await c.flush()
    const running = await spanRow(spanId)
    assert.equal(running.status, 'running')
    assert.equal(running.end_time, null)
    release()
    await done
    await c.flush()
    const finished = await spanRow(spanId)
    assert.equal(finished.status, 'completed')
    assert.ok(finished.end_time)
    assert.deepEqual([finished.prompt_tokens, finished.completion_tokens, finished.cache_read_tokens, finished.cache_write_tokens, finished.reasoning_tokens].map(Number), [10, 5, 3, 2, 1])
    assert.equal(finished.total_cost, '0.001234000000')
    assert.equal(finished.cost_source, 'client')
    const trace = (await t.pool.query(`select input, status from traces where name = 'live'`)).rows[0]
    assert.deepEqual(trace.input, { question: 'set after start' })
  })

  it('records all 11 event kinds with reserved fields winning over payload keys, and rejects empty reserved fields', async () => {
    const c = client()
    await c.trace('events', async () => {
      await c.span('all kinds', async (s) => {
        s.log('hello', { payload: { a: 1 } })
        s.error('bad thing')
        s.exception(new RangeError('out of range'))
        s.message('milestone reached')
        s.metric('latency', 12.5, { unit: 'ms' })
        s.custom({ anything: true })
        s.stateChange('cart', 1, 2, { namespace: 'shop', payload: { key: 'shadowed' } })
        s.decision('which tool?', 'search', { alternatives: ['search', 'answer'], reasoning: 'needs facts' })
        s.effect('api_call', { hasExternalSideEffect: true, idempotencyKey: 'pay-1', idempotent: true })
        s.wait('human_approval', 'entered', { waitId: 'w1' })
        s.snapshotMarker('phase one', { markerKind: 'phase' })
        assert.throws(() => s.decision('', 'x'), /question must not be empty/)
        assert.throws(() => s.metric('m', Number.NaN), /finite/)
      })
    })
    await c.flush()
    const rows = (await t.pool.query(`select e.event_type, e.level, e.sequence, e.message, e.payload from span_events e join traces t on t.id = e.trace_id where t.name = 'events' order by e.sequence`)).rows
    assert.deepEqual(rows.map((r) => r.event_type), ['log', 'error', 'exception', 'message', 'metric', 'custom', 'state_change', 'decision', 'effect', 'wait', 'snapshot_marker'])
    assert.deepEqual(rows.map((r) => r.sequence), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const by = Object.fromEntries(rows.map((r) => [r.event_type, r]))
    assert.equal(by.error.level, 'error')
    assert.equal(by.exception.payload.exception_type, 'RangeError')
    assert.match(by.exception.payload.traceback, /RangeError: out of range/)
    assert.deepEqual([by.metric.payload.metric_name, by.metric.payload.metric_value, by.metric.payload.metric_unit], ['latency', 12.5, 'ms'])
    assert.equal(by.state_change.payload.key, 'cart', 'reserved key wins over the payload')
    assert.deepEqual([by.state_change.payload.old_value, by.state_change.payload.new_value, by.state_change.payload.namespace], [1, 2, 'shop'])
    assert.deepEqual(by.decision.payload.alternatives, ['search', 'answer'])
    assert.equal(by.effect.payload.idempotency_key, 'pay-1')
    assert.ok(by.effect.payload.effect_id, 'the server derives an effect id')
    assert.deepEqual([by.wait.payload.wait_kind, by.wait.payload.phase, by.wait.payload.wait_id], ['human_approval', 'entered', 'w1'])
    assert.deepEqual([by.snapshot_marker.payload.label, by.snapshot_marker.payload.marker_kind], ['phase one', 'phase'])
  })

  it('marks failed spans and traces when the callback throws, and rethrows', async () => {
    const c = client()
    await assert.rejects(
      c.trace('boom', async () => {
        await c.span('step', async () => {
          throw new Error('tool exploded')
        })
      }),
      /tool exploded/,
    )
    await c.flush()
    const rows = await normalisedRows(t.pool, projectId)
    const trace = rows.traces.find((r) => r.name === 'boom')!
    assert.equal(trace.status, 'failed')
    const span = rows.spans.find((r) => r.trace === 'boom')!
    assert.deepEqual([span.status, span.status_message, span.level], ['failed', 'tool exploded', 'error'])
  })

  it('a span outside any trace gets a trace of its own instead of being dropped; sessions group traces', async () => {
    const c = client()
    await c.span('orphan', async (s) => s.log('still recorded'))
    await c.withSession({ sessionId: 'sess-ts-1', name: 'Support chat', userId: 'u-9', metadata: { channel: 'web' } }, async () => {
      await c.trace('turn 1', async () => 'one')
      await c.trace('turn 2', async () => 'two')
    })
    await c.trace('outer', async () => {
      await c.withSession('sess-inside', async () => {
        await c.span('still in outer', async () => {})
      })
    })
    await c.flush()
    const rows = await normalisedRows(t.pool, projectId)
    assert.ok(rows.spans.some((s) => s.trace === 'outer' && s.name === 'still in outer'), 'withSession inside a trace keeps the trace')
    assert.ok(rows.traces.some((r) => r.name === 'orphan' && r.status === 'completed'))
    assert.ok(rows.events.some((e) => e.trace === 'orphan' && e.message === 'still recorded'))
    const turns = rows.traces.filter((r) => r.name.startsWith('turn '))
    assert.deepEqual(turns.map((r) => [r.session, r.user_id, r.metadata.channel]), [['sess-ts-1', 'u-9', 'web'], ['sess-ts-1', 'u-9', 'web']])
    assert.deepEqual(rows.sessions.find((s) => s.external_id === 'sess-ts-1'), { external_id: 'sess-ts-1', name: 'Support chat', user_id: 'u-9', metadata: { channel: 'web' } })
  })

  it('async mode: flush returns batch ids that waitForBatch follows to completed', async () => {
    const c = client({ ingestMode: 'async' })
    await c.trace('async trace', async () => c.span('s', async () => 1))
    const ids = await c.flush()
    assert.equal(ids.length, 1)
    const status = await c.waitForBatch(ids[0]!, { timeoutMs: 20_000, pollIntervalMs: 200 })
    assert.equal(status.status, 'completed')
    assert.equal(status.span_count, 2, 'start and end records of the span')
    assert.ok((await t.pool.query(`select 1 from traces where name = 'async trace'`)).rowCount)
  })

  it('batches by batchSize and flushes on its own when the size is reached', async () => {
    const c = client({ batchSize: 5 })
    await c.trace('many', async () => {
      for (let i = 0; i < 6; i++) await c.span(`s${i}`, async () => i)
    })
    // 1 + 12 + 1 = 14 records: the queue flushes itself in requests of at most 5.
    const batchesBefore = Number((await t.pool.query('select count(*) from ingest_batches where project_id = $1', [projectId])).rows[0].count)
    await waitFor('automatic flushes', async () => c.pending < 5)
    await c.flush()
    assert.equal(c.pending, 0)
    const batches = Number((await t.pool.query('select count(*) from ingest_batches where project_id = $1', [projectId])).rows[0].count) - batchesBefore
    assert.equal(batches, 3, '14 records in batches of at most 5')
    await waitFor('all spans stored', async () => Number((await t.pool.query(`select count(*) from spans s join traces t on t.id = s.trace_id where t.name = 'many' and s.status = 'completed'`)).rows[0].count) === 6)
  })

  it('retries 503, dropped connections and 429 (waiting Retry-After), then delivers with one batch key', async () => {
    const proxy = await startFaultProxy(server.url)
    try {
      const c = client({ endpoint: proxy.url, baseDelayMs: 10, maxDelayMs: 50 })
      proxy.faults.push({ status: 503 }, 'drop', { status: 429, headers: { 'retry-after': '1' } })
      await c.trace('retried', async () => 'ok')
      const started = Date.now()
      const ids = await c.flush()
      assert.ok(Date.now() - started >= 900, 'waited for Retry-After')
      assert.equal(ids.length, 1)
      assert.equal(proxy.seen.length, 4)
      assert.equal((await t.pool.query(`select status from traces where name = 'retried'`)).rows[0].status, 'completed')
    } finally {
      await proxy.close()
    }
  })

  it('never drops silently: a batch that keeps failing goes to onError and the log; 400 is not retried', async () => {
    const proxy = await startFaultProxy(server.url)
    try {
      const failures: IngestFailure[] = []
      const logged: string[] = []
      const c = client({ endpoint: proxy.url, maxRetries: 2, baseDelayMs: 5, maxDelayMs: 10, onError: (f) => failures.push(f), logger: { debug() {}, warn() {}, error: (m) => logged.push(m) } })
      proxy.faults.push({ status: 500 }, { status: 502 }, { status: 503 })
      await c.trace('lost', async () => 'x')
      assert.deepEqual(await c.flush(), [])
      assert.equal(proxy.seen.length, 3, 'first attempt + 2 retries')
      assert.equal(failures.length, 1)
      assert.equal(failures[0]!.batch.traces!.length, 2)
      assert.match(failures[0]!.error.message, /503/)
      assert.match(logged[0]!, /not delivered/)

      proxy.faults.push({ status: 400, body: JSON.stringify({ code: 'validation_error', message: 'spans[0].name: bad' }) })
      await c.trace('refused', async () => 'x')
      await c.flush()
      assert.equal(proxy.seen.length, 4, '400 is final')
      assert.equal(failures.length, 2)
      assert.match(failures[1]!.error.message, /validation_error/)
    } finally {
      await proxy.close()
    }
  })

  it('bounded queue: items beyond maxQueueSize are reported, not silently lost; env config is read', async () => {
    const failures: IngestFailure[] = []
    process.env.CONTINUA_API_KEY = key
    process.env.CONTINUA_ENDPOINT = 'http://127.0.0.1:1'
    try {
      const c = new Continua({ maxQueueSize: 3, batchSize: 100, flushInterval: 0, flushOnExit: false, logger: quiet, onError: (f) => failures.push(f), maxRetries: 0 })
      clients.push(c)
      assert.equal(c.endpoint, 'http://127.0.0.1:1')
      c.enqueue('traces', { trace_id: 'q1' })
      c.enqueue('traces', { trace_id: 'q2' })
      c.enqueue('traces', { trace_id: 'q3' })
      c.enqueue('traces', { trace_id: 'q4' })
      assert.equal(c.pending, 3)
      assert.equal(failures.length, 1)
      assert.match(failures[0]!.error.message, /queue full/)
      await c.flush()
      assert.equal(failures.length, 2, 'the unreachable server is reported too')
      assert.equal(failures[1]!.batch.traces!.length, 3)
    } finally {
      delete process.env.CONTINUA_API_KEY
      delete process.env.CONTINUA_ENDPOINT
    }
    assert.throws(() => new Continua({ flushOnExit: false }), /apiKey is required/)
  })

  it('flushes on its own when the process ends without flush()', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'sdk', 'fixtures', 'exit-without-flush.ts'), 'exit flush'], {
      cwd: ROOT,
      env: { ...process.env, CONTINUA_API_KEY: key, CONTINUA_ENDPOINT: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, 0, stderr)
    const rows = await t.pool.query(`select t.status, count(s.id)::int as spans from traces t join spans s on s.trace_id = t.id where t.name = 'exit flush' group by t.status`)
    assert.deepEqual(rows.rows, [{ status: 'completed', spans: 1 }])
  })

  it('a batch over the server body limit (413) is split in halves until it fits, nothing lost', async () => {
    const small = await startTestServer(t.db, { ingest: { ...DEFAULT_INGEST_SETTINGS, maxBodyBytes: 24_000 } })
    try {
      const failures: IngestFailure[] = []
      const c = client({ endpoint: small.url, onError: (f) => failures.push(f) })
      await c.trace('split', async () => {
        for (let i = 0; i < 8; i++) await c.span(`big ${i}`, async (s) => s.setInput({ blob: 'x'.repeat(2500) }).setOutput(i))
      })
      const ids = await c.flush()
      assert.deepEqual(failures, [])
      assert.ok(ids.length >= 2, `sent in ${ids.length} batches`)
      const rows = await t.pool.query(`select count(*)::int as n from spans s join traces t on t.id = s.trace_id where t.name = 'split' and s.status = 'completed'`)
      assert.equal(rows.rows[0].n, 8)
    } finally {
      await small.close()
    }
  })

  it('sampleRate: a trace sampled out runs normally and records nothing, spans and events included', async () => {
    const none = client({ sampleRate: 0 })
    const value = await none.withSession({ sessionId: 'sampled-out', name: 'never sent' }, () =>
      none.trace('sampled out', async () => none.span('inner', async (s) => (s.log('x').metric('m', 1), 7))),
    )
    assert.equal(value, 7)
    assert.equal(none.pending, 0)
    assert.deepEqual(await none.flush(), [])
    const half = client({ sampleRate: 0.5, batchSize: 1000 })
    for (let i = 0; i < 200; i++) await half.trace('coin', async () => {})
    assert.ok(half.pending > 100 && half.pending < 300, `about half of 200 traces (2 records each): ${half.pending}`)
    assert.throws(() => client({ sampleRate: 1.5 }), /sampleRate/)
  })
})
