import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

// Property-based hostile input against a real `continua serve` process: whatever arrives on
// /v1/ingest, /v1/traces (JSON and protobuf) and the engine control routes, the answer is never a
// 5xx, a 4xx always carries a code and a readable message, the process survives, and its memory
// stays bounded. FUZZ_RUNS (npm run test:fuzz) turns the few seeded CI runs into a long session.

const RUNS = Number(process.env.FUZZ_RUNS ?? 25)
const SEED = Number(process.env.FUZZ_SEED ?? 20261127)
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true }

// Values chosen to break parsers: NUL bytes, lone surrogates, huge and unsafe numbers, wrong types.
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff x', '﻿', '../../etc/passwd', '%00', "'; drop table spans; --", 'x'.repeat(70_000)),
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53 + 1, -(2 ** 63), Number.MAX_VALUE, 1e-320),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
)
const TIMES = fc.oneof(nasty, fc.constantFrom('2026-05-01T10:00:00Z', '2026-13-45T99:00:00Z', '0000-01-01T00:00:00Z', '275760-09-13T00:00:00.001Z'))
const span = fc.record(
  { trace_id: nasty, span_id: nasty, parent_span_id: nasty, name: nasty, type: nasty, status: nasty, start_time: TIMES, end_time: TIMES, input: nasty, metadata: nasty },
  { requiredKeys: [] },
)
const event = fc.record({ trace_id: nasty, span_id: nasty, event_type: nasty, message: nasty, payload: nasty, ts: TIMES }, { requiredKeys: [] })
const ingestBody = fc.oneof(
  fc.record(
    { batch_key: nasty, spans: fc.oneof(nasty, fc.array(span, { maxLength: 4 })), events: fc.oneof(nasty, fc.array(event, { maxLength: 3 })), traces: nasty, session: nasty },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
)
// Literals JSON.stringify cannot produce: integers past 2^53 and 2^64, exponents past double range.
const bigLiteral = fc.constantFrom('123456789012345678901234567890', '18446744073709551617', '1e400', '-1e400', '9007199254740993')

describe('hostile input against continua serve', () => {
  let t: TestDatabase
  let serve: ServeProcess
  let key: string
  let rssStart = 0
  let n = 0

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'fuzz')).api_key
    serve = await startServeProcess(t.url, { CONTINUA_RATE_LIMIT_FAILED_AUTH_PER_PEER: '0' })
    rssStart = serve.rss()
  })
  after(async () => {
    await serve?.stop('SIGKILL')
    await t?.drop()
  })

  async function send(method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string> = {}) {
    const res = await fetch(serve.url + path, { method, body, headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers } })
    const text = await res.text()
    return { status: res.status, text }
  }

  function assertSane(what: string, r: { status: number; text: string }) {
    assert.ok(r.status < 500, `${what}: got ${r.status} ${r.text.slice(0, 300)}`)
    if (r.status >= 400 && !what.includes('otlp-protobuf')) {
      const body = JSON.parse(r.text)
      assert.equal(typeof body.code, 'string', `${what}: error code`)
      assert.ok(typeof body.message === 'string' && body.message.length >= 8, `${what}: readable message, got ${r.text.slice(0, 200)}`)
      assert.doesNotMatch(body.message, /\n\s+at /, `${what}: no stack trace`)
    }
  }

  it('/v1/ingest: arbitrary bodies (sync and async) never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(ingestBody, fc.boolean(), async (body, sync) => {
        const r = await send('POST', `/v1/ingest${sync ? '?sync=true' : ''}`, JSON.stringify(body), { 'x-request-id': `fuzz-${++n}` })
        assertSane(`ingest ${JSON.stringify(body).slice(0, 200)}`, r)
      }),
      params,
    )
  })

  it('/v1/ingest: numbers beyond 2^53 and doubles, invalid UTF-8 and NUL bytes in the raw text', async () => {
    await fc.assert(
      fc.asyncProperty(bigLiteral, fc.uint8Array({ minLength: 1, maxLength: 8 }), async (literal, bytes) => {
        const text = `{"batch_key":"b-${++n}","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-05-01T10:00:00Z","metadata":{"big":${literal}}}]}`
        assertSane(`literal ${literal}`, await send('POST', '/v1/ingest?sync=true', text))
        const raw = Buffer.concat([Buffer.from(`{"batch_key":"u-${n}","spans":[{"trace_id":"t","span_id":"s","name":"`), Buffer.from([0xff, 0xfe, ...bytes, 0xc0]), Buffer.from(`","start_time":"2026-05-01T10:00:00Z","input":"\\u0000"}]}`)])
        assertSane('invalid utf-8', await send('POST', '/v1/ingest?sync=true', raw))
      }),
      params,
    )
  })

  it('/v1/traces: arbitrary OTLP JSON and random protobuf bytes never get a 5xx', async () => {
    const anyValue = fc.oneof(fc.record({ stringValue: nasty }, { requiredKeys: [] }), fc.record({ intValue: fc.oneof(nasty, bigLiteral) }), nasty)
    const otlpSpan = fc.record(
      { traceId: nasty, spanId: nasty, name: nasty, startTimeUnixNano: fc.oneof(nasty, bigLiteral), endTimeUnixNano: nasty, attributes: fc.oneof(nasty, fc.array(fc.record({ key: nasty, value: anyValue }), { maxLength: 3 })) },
      { requiredKeys: [] },
    )
    const otlpBody = fc.oneof(fc.record({ resourceSpans: fc.oneof(nasty, fc.array(fc.record({ scopeSpans: fc.array(fc.record({ spans: fc.array(otlpSpan, { maxLength: 3 }) }), { maxLength: 2 }) }), { maxLength: 2 })) }), fc.jsonValue({ maxDepth: 3 }))
    await fc.assert(
      fc.asyncProperty(otlpBody, fc.uint8Array({ maxLength: 512 }), async (json, bytes) => {
        assertSane(`otlp-json ${JSON.stringify(json).slice(0, 200)}`, await send('POST', '/v1/traces', JSON.stringify(json)))
        const r = await send('POST', '/v1/traces', Buffer.from(bytes), { 'content-type': 'application/x-protobuf' })
        assert.ok(r.status < 500, `otlp-protobuf ${Buffer.from(bytes).toString('hex').slice(0, 100)}: ${r.status}`)
      }),
      params,
    )
  })

  it('engine control routes: arbitrary bodies, ids and query parameters never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, fc.string({ maxLength: 80 }), fc.dictionary(fc.constantFrom('status', 'limit', 'cursor', 'definition_name', 'after', 'project_id'), fc.string({ maxLength: 40 })), async (body, id, query) => {
        const qs = new URLSearchParams(query).toString()
        const runId = encodeURIComponent(id)
        assertSane('start', await send('POST', '/v1/engine/runs', JSON.stringify(body)))
        assertSane('list', await send('GET', `/v1/engine/runs?${qs}`, undefined))
        assertSane('signal', await send('POST', `/v1/engine/runs/${runId}/signal`, JSON.stringify(body)))
        assertSane('history', await send('GET', `/v1/engine/runs/${runId}/history?${qs}`, undefined))
        assertSane('claim', await send('POST', '/v1/engine/activities/claim', JSON.stringify(body)))
        assertSane('complete', await send('POST', `/v1/engine/activities/${runId}/complete`, JSON.stringify(body)))
      }),
      params,
    )
  })

  it('huge strings, deep nesting and gzip bombs get a 4xx naming the problem', async () => {
    const huge = await send('POST', '/v1/ingest', JSON.stringify({ batch_key: 'huge', spans: [{ name: 'x'.repeat(6 * 1024 * 1024) }] }))
    assert.equal(huge.status, 413)
    assert.match(JSON.parse(huge.text).message, /limit|large/i)
    const deep = await send('POST', '/v1/ingest', `{"batch_key":"deep","spans":[{"trace_id":"t","span_id":"s","name":"n","start_time":"2026-05-01T10:00:00Z","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]}`)
    assert.equal(deep.status, 400)
    assert.match(JSON.parse(deep.text).message, /nest|deep|depth/i)
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20))
    for (const path of ['/v1/ingest', '/v1/traces']) {
      const r = await send('POST', path, bomb, { 'content-encoding': 'gzip' })
      assert.equal(r.status, 413, `${path} gzip bomb: ${r.text.slice(0, 200)}`)
      assert.match(JSON.parse(r.text).message, /limit|large|exceed/i)
    }
    const bad = await send('POST', '/v1/ingest', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })
    assertSane('bad gzip', bad)
    assert.equal(bad.status, 400)
  })

  it('slow clients (slowloris) do not stop the server answering others', async () => {
    const sockets: net.Socket[] = []
    for (let i = 0; i < 40; i++) {
      const s = net.connect(serve.port, '127.0.0.1')
      s.on('error', () => {})
      s.write(`POST /v1/ingest HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"batch_key":`)
      sockets.push(s)
    }
    const drip = setInterval(() => sockets.forEach((s) => s.write(' ')), 200)
    try {
      for (let i = 0; i < 10; i++) {
        const started = Date.now()
        const res = await fetch(`${serve.url}/api/health`)
        assert.equal(res.status, 200)
        assert.ok(Date.now() - started < 2000, 'health answered promptly while slow bodies trickle in')
      }
    } finally {
      clearInterval(drip)
      sockets.forEach((s) => s.destroy())
    }
  })

  // Takes a minute (serve's request timeout is 60 s), so only in the long mode.
  it('a body that never finishes is cut off by the server', { skip: RUNS < 100 && 'long mode only (npm run test:fuzz)' }, async () => {
    const s = net.connect(serve.port, '127.0.0.1')
    let answer = ''
    s.on('data', (c) => (answer += c.toString()))
    s.on('error', () => {})
    const closed = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now())))
    const started = Date.now()
    s.write(`POST /v1/ingest HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`)
    const drip = setInterval(() => s.writable && s.write(' '), 1000)
    try {
      const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 90_000))])
      assert.ok(at > 0, 'the server closed the connection within 90 s')
      assert.ok(at - started >= 30_000, 'not before a slow but live client had a fair chance')
      assert.match(answer, /^$|^HTTP\/1\.1 408/, 'nothing, or 408 Request Timeout')
    } finally {
      clearInterval(drip)
      s.destroy()
    }
  })

  it('the process survived everything and its memory stayed bounded', async () => {
    assert.equal(serve.proc.child.exitCode, null, 'serve is still running')
    assert.equal((await fetch(`${serve.url}/api/health`)).status, 200)
    const grown = serve.rss() - rssStart
    assert.ok(grown < 200 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1048576)} MiB`)
  })
})
