// npm run bench:ingest — a benchmark, not a test.
//
// Measures, on one fresh database in one run:
//   1. raw Postgres: the same span rows inserted with one multi-row INSERT … SELECT unnest(...)
//      per batch (the floor any ingest path pays),
//   2. POST /v1/ingest?sync=true with batches of 500 spans of ~1 KB each (spans/s),
//   3. async acceptance latency (X-Continua-Async-Version: 2) p50/p99 per 500-span batch, beside
//      the raw insert latency of a batch.
// Uses DATABASE_URL when set, else an embedded Postgres under a temporary CONTINUA_HOME.
import http from 'node:http'
import os from 'node:os'
import type { AddressInfo } from 'node:net'
import { createApp } from '../server/app.js'
import { DEFAULT_INGEST_SETTINGS } from '../src/config.js'
import { freshDatabase } from './harness.js'
import { createLogger } from '../src/logger.js'
import { createProject } from '../src/projects.js'

const BATCH = 500
const BATCHES = Number(process.env.BENCH_BATCHES ?? 40)
const ASYNC_REQUESTS = Number(process.env.BENCH_ASYNC_REQUESTS ?? 100)
const logger = createLogger({ level: 'warn', format: 'pretty' })

function makeSpans(traceId: string, batchNo: number) {
  const filler = 'lorem ipsum dolor sit amet '.repeat(30).slice(0, 760)
  const t0 = Date.UTC(2026, 0, 1) + batchNo * 60_000
  return Array.from({ length: BATCH }, (_, i) => ({
    trace_id: traceId,
    span_id: `span-${batchNo}-${i}`,
    parent_span_id: i === 0 ? null : `span-${batchNo}-0`,
    name: `tool call ${i}`,
    type: 'tool' as const,
    status: 'completed' as const,
    start_time: new Date(t0 + i).toISOString(),
    end_time: new Date(t0 + i + 5).toISOString(),
    input: { query: filler, n: i },
    metadata: { step: i, host: 'bench' },
  }))
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main() {
  const { pool, db, close } = await freshDatabase('bench', { poolSize: 10 })
  let server: http.Server | undefined
  try {
    const project = await createProject(db, 'bench')
    const app = createApp({ db, logger, auth: { adminToken: undefined, host: '127.0.0.1' }, maxBodyBytes: 1024 * 1024, pool, ingest: DEFAULT_INGEST_SETTINGS })
    server = http.createServer(app)
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const headers = { 'content-type': 'application/json', 'x-api-key': project.api_key }
    const sample = JSON.stringify(makeSpans('x', 0))
    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`)
    console.log(`rows: ${BATCHES} batches × ${BATCH} spans, ~${Math.round(sample.length / BATCH)} bytes of JSON per span`)

    // Warm-up (plans, JIT, connections).
    for (let i = 0; i < 3; i++) {
      await fetch(`${base}/v1/ingest?sync=true`, { method: 'POST', headers, body: JSON.stringify({ batch_key: `warm-${i}`, spans: makeSpans(`warm-${i}`, 1000 + i) }) })
    }

    // 1+2. Raw multi-row insert and POST /v1/ingest?sync=true of the same rows, alternating batch
    // by batch so that load from anything else on the machine hits both sides alike.
    const rawLatencies: number[] = []
    const client = await pool.connect()
    let rawMs = 0
    let ingestMs = 0
    try {
      for (let b = 0; b < BATCHES; b++) {
        const spans = makeSpans(`raw-${b}`, b)
        const started = performance.now()
        await client.query('begin')
        const trace = await client.query(`insert into traces (project_id, trace_id) values ($1, $2) returning id`, [project.id, `raw-${b}`])
        await client.query(
          `insert into spans (project_id, trace_id, span_id, parent_span_id, name, type, status, start_time, end_time, input, metadata)
           select $1, $2, * from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[], $11::jsonb[])`,
          [
            project.id,
            trace.rows[0].id,
            spans.map((s) => s.span_id),
            spans.map((s) => s.parent_span_id),
            spans.map((s) => s.name),
            spans.map((s) => s.type),
            spans.map((s) => s.status),
            spans.map((s) => s.start_time),
            spans.map((s) => s.end_time),
            spans.map((s) => JSON.stringify(s.input)),
            spans.map((s) => JSON.stringify(s.metadata)),
          ],
        )
        await client.query('commit')
        const ms = performance.now() - started
        rawLatencies.push(ms)
        rawMs += ms

        // the same rows through the API (the body built up front, as a client would have it)
        const body = JSON.stringify({ batch_key: `sync-${b}`, traces: [{ trace_id: `sync-${b}`, name: 'bench' }], spans: makeSpans(`sync-${b}`, b) })
        const sent = performance.now()
        const res = await fetch(`${base}/v1/ingest?sync=true`, { method: 'POST', headers, body })
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
        await res.arrayBuffer()
        ingestMs += performance.now() - sent
      }
    } finally {
      client.release()
    }
    const rawRate = (BATCHES * BATCH) / (rawMs / 1000)
    const ingestRate = (BATCHES * BATCH) / (ingestMs / 1000)

    // 3. async acceptance latency
    const asyncBodies = Array.from({ length: ASYNC_REQUESTS }, (_, b) => JSON.stringify({ batch_key: `async-${b}`, spans: makeSpans(`async-${b}`, b) }))
    const asyncLatencies: number[] = []
    for (const body of asyncBodies) {
      const started = performance.now()
      const res = await fetch(`${base}/v1/ingest`, { method: 'POST', headers: { ...headers, 'x-continua-async-version': '2' }, body })
      if (res.status !== 202) throw new Error(`async ingest answered ${res.status}: ${await res.text()}`)
      await res.arrayBuffer()
      asyncLatencies.push(performance.now() - started)
    }

    const f = (n: number) => n.toFixed(1)
    console.log('')
    console.log(`raw unnest insert        ${Math.round(rawRate).toString().padStart(8)} spans/s   batch p50 ${f(pct(rawLatencies, 50))} ms  p99 ${f(pct(rawLatencies, 99))} ms`)
    console.log(`POST /v1/ingest sync     ${Math.round(ingestRate).toString().padStart(8)} spans/s   ratio ${(ingestRate / rawRate * 100).toFixed(1)}% of raw (target ≥ 50%)`)
    console.log(`POST /v1/ingest async    acceptance p50 ${f(pct(asyncLatencies, 50))} ms  p99 ${f(pct(asyncLatencies, 99))} ms  (raw insert of the same batch: p50 ${f(pct(rawLatencies, 50))} ms, p99 ${f(pct(rawLatencies, 99))} ms)`)
  } finally {
    server?.close()
    await close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
