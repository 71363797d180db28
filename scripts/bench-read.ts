// npm run bench:read — a benchmark, not a test.
//
// Opening a large trace: one trace of BENCH_SPANS spans (default 10,000, ~1 KB of JSON each, with
// one event per 10 spans) is ingested through ingestSync, then each read a viewer makes is timed
// through the real HTTP app beside the raw Postgres query returning the same rows, in the same run:
//   1. GET /api/traces/{id}/spans (full) vs `select * from spans where trace_id = …`,
//   2. GET /api/traces/{id}/spans?include_payloads=false (the tree a TUI/web view draws first),
//   3. the whole timeline, paged 500 at a time, vs one raw select of the trace's events and spans,
//   4. GET /api/traces (first page, and a search) on the same database.
// Uses DATABASE_URL when set, else an embedded Postgres under a temporary CONTINUA_HOME.
import http from 'node:http'
import os from 'node:os'
import type { AddressInfo } from 'node:net'
import { createApp } from '../server/app.js'
import { DEFAULT_INGEST_SETTINGS } from '../src/config.js'
import type { IngestRequest } from '../src/contract/ingest.js'
import { freshDatabase } from './harness.js'
import { ingestSync } from '../src/ingest/index.js'
import { rollupTrace } from '../src/ingest/rollup.js'
import { createLogger } from '../src/logger.js'
import { createProject } from '../src/projects.js'

const SPANS = Number(process.env.BENCH_SPANS ?? 10_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const logger = createLogger({ level: 'warn', format: 'pretty' })

function batches(): IngestRequest[] {
  const filler = 'lorem ipsum dolor sit amet '.repeat(30).slice(0, 700)
  const t0 = Date.UTC(2026, 0, 1)
  const out: IngestRequest[] = []
  for (let b = 0; b * 500 < SPANS; b++) {
    const spans = Array.from({ length: Math.min(500, SPANS - b * 500) }, (_, k) => {
      const i = b * 500 + k
      return {
        trace_id: 'big',
        span_id: `s-${i}`,
        parent_span_id: i === 0 ? null : i % 50 === 0 ? 's-0' : `s-${i - (i % 50)}`,
        name: i % 50 === 0 ? `stage ${i / 50}` : 'llm call',
        type: (i % 50 === 0 ? 'chain' : 'llm') as 'chain' | 'llm',
        status: 'completed' as const,
        start_time: new Date(t0 + i * 10).toISOString(),
        end_time: new Date(t0 + i * 10 + 8).toISOString(),
        model: 'gpt-4.1-nano',
        prompt_tokens: 200,
        completion_tokens: 20,
        input: { prompt: filler, i },
        output: { text: 'ok' },
      }
    })
    const events = spans
      .filter((_, k) => k % 10 === 0)
      .map((s) => ({ trace_id: 'big', span_id: s.span_id, event_type: 'log' as const, message: 'step done', event_ts: s.end_time }))
    out.push({ batch_key: `big-${b}`, ...(b === 0 ? { traces: [{ trace_id: 'big', name: 'bench trace', start_time: new Date(t0).toISOString() }] } : {}), spans, events })
  }
  return out
}

const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!

async function timed(fn: () => Promise<unknown>): Promise<{ p50: number; bytes: number }> {
  await fn() // warm-up
  const times: number[] = []
  let bytes = 0
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    const out = await fn()
    times.push(performance.now() - started)
    if (typeof out === 'number') bytes = out
  }
  return { p50: pct(times, 50), bytes }
}

async function main() {
  const { pool, db, close } = await freshDatabase('bench_read', { poolSize: 10 })
  let server: http.Server | undefined
  try {
    const project = await createProject(db, 'bench')
    for (const batch of batches()) await ingestSync(db, project.id, batch)
    const trace = await db.selectFrom('traces').select('id').where('project_id', '=', project.id).where('trace_id', '=', 'big').executeTakeFirstOrThrow()
    await rollupTrace(db, trace.id)
    await pool.query('analyze')

    const app = createApp({ db, logger, auth: { adminToken: undefined, host: '127.0.0.1' }, maxBodyBytes: 1024 * 1024, pool, ingest: DEFAULT_INGEST_SETTINGS })
    server = http.createServer(app)
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const headers = { 'x-api-key': project.api_key }
    const get = async (p: string) => {
      const res = await fetch(base + p, { headers })
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}`)
      return (await res.arrayBuffer()).byteLength
    }
    const rawSpans = async () => {
      const r = await pool.query('select * from spans where project_id = $1 and trace_id = $2 order by start_time', [project.id, trace.id])
      return Buffer.byteLength(JSON.stringify(r.rows))
    }
    const rawTimeline = async () => {
      const e = await pool.query('select * from span_events where project_id = $1 and trace_id = $2 order by change_seq', [project.id, trace.id])
      const s = await pool.query('select id, span_id, name, status, start_time, end_time, first_change_seq, change_seq from spans where project_id = $1 and trace_id = $2', [project.id, trace.id])
      return e.rows.length + s.rows.length
    }
    const fullTimeline = async () => {
      let after = ''
      let n = 0
      for (;;) {
        const res = await fetch(`${base}/api/traces/${trace.id}/events?limit=500${after ? `&after=${after}` : ''}`, { headers })
        const body = (await res.json()) as { events: unknown[]; has_more: boolean; next_cursor?: string }
        n += body.events.length
        if (!body.has_more) return n
        after = body.next_cursor!
      }
    }

    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`)
    console.log(`trace: ${SPANS} spans (~1 KB JSON each), ${Math.ceil(SPANS / 10)} events; p50 of ${RUNS} runs\n`)
    const raw = await timed(rawSpans)
    const spans = await timed(() => get(`/api/traces/${trace.id}/spans`))
    const light = await timed(() => get(`/api/traces/${trace.id}/spans?include_payloads=false`))
    const rawTl = await timed(rawTimeline)
    const tl = await timed(fullTimeline)
    const detail = await timed(() => get(`/api/traces/${trace.id}`))
    const list = await timed(() => get('/api/traces'))
    const search = await timed(() => get('/api/traces?q=stage%2017'))
    const f = (n: number) => n.toFixed(1).padStart(7)
    const kb = (n: number) => `${Math.round(n / 1024)} KiB`
    console.log(`raw select of the spans            ${f(raw.p50)} ms  (${kb(raw.bytes)} as JSON)`)
    console.log(`GET spans (full)                   ${f(spans.p50)} ms  (${kb(spans.bytes)})  ${(spans.p50 / raw.p50).toFixed(2)}× raw`)
    console.log(`GET spans?include_payloads=false   ${f(light.p50)} ms  (${kb(light.bytes)})  ${(light.p50 / raw.p50).toFixed(2)}× raw`)
    console.log(`raw select of events + span rows   ${f(rawTl.p50)} ms  (${rawTl.bytes} rows)`)
    console.log(`GET events, all pages of 500       ${f(tl.p50)} ms  (${tl.bytes} entries)  ${(tl.p50 / rawTl.p50).toFixed(2)}× raw`)
    console.log(`GET trace detail                   ${f(detail.p50)} ms`)
    console.log(`GET traces (first page)            ${f(list.p50)} ms`)
    console.log(`GET traces?q=… (span-name search)  ${f(search.p50)} ms`)
    console.log(`\nopening the trace (detail + light spans): ${(detail.p50 + light.p50).toFixed(1)} ms of server time (TUI target < 1 s end to end)`)
  } finally {
    server?.close()
    await close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
