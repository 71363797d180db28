// npm run load — sustained ingest and read traffic against a real `continua serve` process
// (autocannon), with p50/p99 latency, error counts and the server's RSS sampled over time.
// LOAD_SECONDS (default 60) sets the duration; LOAD_CONNECTIONS the connections per stream.
// A benchmark script, not a test: it prints figures (record them in docs/reliability.md).
import autocannon from 'autocannon'
import { createProject } from '../src/projects.js'
import { freePort, freshDatabase, machine, rssOf, startContinua } from './harness.js'

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60)
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 8)
const SPANS_PER_BATCH = 20
const T0 = Date.UTC(2026, 4, 1)

function batch(n: number): string {
  const traceId = `load-${process.pid}-${n}`
  return JSON.stringify({
    batch_key: `load-${process.pid}-${n}`,
    spans: Array.from({ length: SPANS_PER_BATCH }, (_, i) => ({
      trace_id: traceId,
      span_id: `s${i}`,
      parent_span_id: i ? 's0' : null,
      name: `step ${i}`,
      type: i % 3 === 0 ? 'llm' : 'tool',
      status: 'completed',
      start_time: new Date(T0 + n * 1000 + i).toISOString(),
      end_time: new Date(T0 + n * 1000 + i + 3).toISOString(),
      input: { prompt: 'lorem ipsum '.repeat(20), i },
      output: { text: 'dolor sit amet '.repeat(10) },
    })),
    events: [{ trace_id: traceId, span_id: 's0', event_type: 'log', message: `batch ${n}` }],
  })
}

async function main() {
  console.log(`machine: ${machine()}`)
  const h = await freshDatabase('load')
  const port = await freePort()
  const project = await createProject(h.db, 'load')
  const env = { DATABASE_URL: h.url, CONTINUA_RATE_LIMIT_FAILED_AUTH_PER_PEER: '0', CONTINUA_DB_POOL_SIZE: '20' }
  const serve = await startContinua(['serve', '--port', String(port), '--no-worker'], env, /listening on/)
  const worker = await startContinua(['worker'], env, /Worker running/)
  const base = `http://127.0.0.1:${port}`
  const headers = { 'content-type': 'application/json', 'x-api-key': project.api_key }
  try {
    // Something to read: 50 traces.
    for (let n = 0; n < 50; n++) await fetch(`${base}/v1/ingest?sync=true`, { method: 'POST', headers, body: batch(-1 - n) })
    const list = (await (await fetch(`${base}/api/traces?limit=50`, { headers })).json()) as { traces?: Array<{ id: string }>; data?: Array<{ id: string }> }
    const traceIds = (list.traces ?? list.data ?? []).map((t) => t.id)
    if (traceIds.length === 0) throw new Error('no traces to read back')

    const rss: Array<{ s: number; mib: number }> = []
    const started = Date.now()
    const sampler = setInterval(() => rss.push({ s: Math.round((Date.now() - started) / 1000), mib: Math.round(rssOf(serve.proc.pid!) / 1048576) }), 5000)
    let n = 0
    let r = 0
    const ingest = autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [{ method: 'POST', path: '/v1/ingest?sync=true', headers, setupRequest: (req: any) => ({ ...req, body: batch(n++) }) }],
    })
    const read = autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        { method: 'GET', headers, setupRequest: (req: any) => ({ ...req, path: r++ % 2 ? '/api/traces?limit=20' : `/api/traces/${traceIds[r % traceIds.length]}/spans` }) },
      ],
    })
    const [ri, rr] = await Promise.all([ingest, read])
    clearInterval(sampler)
    const line = (name: string, x: any, unit: string) =>
      `${name.padEnd(7)} ${Math.round(x.requests.average)} req/s (${unit}), p50 ${x.latency.p50} ms, p99 ${x.latency.p99} ms, max ${x.latency.max} ms, ` +
      `2xx ${x['2xx']}, non-2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts}`
    console.log(`duration: ${SECONDS} s, ${CONNECTIONS} connections per stream, ingest batches of ${SPANS_PER_BATCH} spans`)
    console.log(line('ingest', ri, `${Math.round(ri.requests.average * SPANS_PER_BATCH)} spans/s`))
    console.log(line('read', rr, 'trace list and span trees'))
    console.log(`server RSS (MiB) every 5 s: ${rss.map((x) => x.mib).join(' ')}`)
    const q = Math.max(1, Math.floor(rss.length / 4))
    const avg = (xs: typeof rss) => xs.reduce((a, b) => a + b.mib, 0) / xs.length
    console.log(`RSS first quarter avg ${avg(rss.slice(0, q)).toFixed(0)} MiB, last quarter avg ${avg(rss.slice(-q)).toFixed(0)} MiB`)
    if (ri.errors + rr.errors + ri.non2xx + rr.non2xx > 0) process.exitCode = 1
  } finally {
    await worker.stop()
    await serve.stop()
    await h.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
