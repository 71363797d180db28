import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { TraceRow } from '../../src/db/schema.js'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from '../../server/app.js'
import { createLogger } from '../../src/logger.js'
import { getTrace } from '../../src/db/traces-read.js'
import { runTraceStream } from '../../src/observe/stream.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { at, Fixtures } from '../helpers/observability-fixtures.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

interface SseMessage {
  id?: string
  event: string
  data: any
}

/** A minimal SSE reader over fetch: collects messages and lets a test wait for one. */
async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const messages: SseMessage[] = []
  const comments: string[] = []
  let buffer = ''
  const waiters: Array<() => void> = []
  const pump = (async () => {
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        let idx: number
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx)
          buffer = buffer.slice(idx + 2)
          const msg: SseMessage = { event: 'message', data: undefined }
          let isMessage = false
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line)
            else if (line.startsWith('id: ')) msg.id = line.slice(4)
            else if (line.startsWith('event: ')) ((msg.event = line.slice(7)), (isMessage = true))
            else if (line.startsWith('data: ')) msg.data = JSON.parse(line.slice(6))
          }
          if (isMessage) messages.push(msg)
          waiters.forEach((w) => w())
        }
      }
    } catch {
      // aborted
    }
  })()
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    messages,
    comments,
    async waitFor(pred: (m: SseMessage) => boolean, timeoutMs = 10_000): Promise<SseMessage> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(pred)
          if (found) {
            clearTimeout(timer)
            resolve(found)
          }
        }
        const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(messages.map((m) => [m.event, m.id]))}`)), timeoutMs)
        waiters.push(check)
        check()
      })
    },
    async close() {
      controller.abort()
      await pump
    },
  }
}

describe('timeline and live stream', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let otherKey: string
  let f: Fixtures
  let trace: TraceRow
  const h = () => ({ headers: { 'x-api-key': key } })

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { pool: t.pool, adminToken: 'admin-token-for-read-tests-0123' })
    const p = await createProject(t.db, 'timeline')
    key = p.api_key
    otherKey = (await createProject(t.db, 'other')).api_key
    f = new Fixtures(t.db, p.id)
    trace = await f.trace({ trace_id: 'tl', name: 'timeline', status: 'running', start: at(0) })
    await f.span(trace, { span_id: 'root', name: 'agent', type: 'agent', start: at(0) })
    await f.event(trace, { span_id: 'root', event_type: 'log', ts: at(1), message: 'hello', sequence: 1 })
    await f.span(trace, { span_id: 'child', parent: 'root', name: 'tool', type: 'tool', start: at(2), end: at(3) })
    await f.event(trace, { span_id: 'child', event_type: 'decision', ts: at(2.5), payload: { question: 'which?', chosen: 'a' } })
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  const events = (cursor?: string, limit?: number, types?: string) =>
    api(server.url, 'GET', `/api/traces/${trace.id}/events?${cursor ? `after=${cursor}&` : ''}${limit ? `limit=${limit}&` : ''}${types ? `event_type=${types}` : ''}`, h())

  it('merges stored events and synthetic span markers, displayed in time order', async () => {
    const res = await events()
    assert.equal(res.status, 200)
    assert.equal(res.body.trace_status, 'RUNNING')
    assert.equal(res.body.has_more, false)
    assert.equal(typeof res.body.poll_cursor, 'string')
    assert.deepEqual(
      res.body.events.map((e: { event_type: string; span_id: string }) => `${e.event_type}@${e.span_id}`),
      ['span_started@root', 'log@root', 'span_started@child', 'decision@child', 'span_completed@child'],
    )
    const marker = res.body.events.find((e: { id: string }) => e.id === 'child:span_completed')
    assert.equal(marker.source, 'synthetic')
    assert.equal(marker.span_name, 'tool')
    assert.equal(marker.timestamp, at(3))
    const log = res.body.events.find((e: { event_type: string }) => e.event_type === 'log')
    assert.equal(log.source, 'explicit')
    assert.equal(log.message, 'hello')
    assert.equal(log.span_name, 'agent')
    assert.equal(log.trace_id, trace.id)
  })

  it('filters entries by type, keeping the cursors', async () => {
    const only = await events(undefined, undefined, 'decision,span_completed')
    assert.equal(only.status, 200)
    assert.deepEqual(only.body.events.map((e: { event_type: string }) => e.event_type), ['decision', 'span_completed'])
    const none = await events(only.body.poll_cursor, undefined, 'decision')
    assert.deepEqual(none.body.events, [])
    const bad = await events(undefined, undefined, 'decision,bogus')
    assert.equal(bad.status, 400)
    assert.match(bad.body.message, /event_type/)
  })

  it('pages with next_cursor without gaps or duplicates', async () => {
    const all = (await events()).body.events.map((e: { id: string }) => e.id).sort()
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 10; i++) {
      const res = await events(cursor, 2)
      assert.equal(res.status, 200)
      seen.push(...res.body.events.map((e: { id: string }) => e.id))
      if (!res.body.has_more) break
      cursor = res.body.next_cursor
    }
    assert.deepEqual(seen.sort(), all)
  })

  it('never misses an entry when polling, including a late span_completed for an old span (defect 17)', async () => {
    const first = await events()
    let poll = first.body.poll_cursor as string
    const empty = await events(poll)
    assert.deepEqual(empty.body.events, [])
    assert.equal(empty.body.poll_cursor, poll, 'an empty page echoes the cursor')

    await f.finishSpan(trace, 'root', 'completed', at(9))
    await f.event(trace, { span_id: 'root', event_type: 'metric', ts: at(0.5), payload: { metric_name: 'x', metric_value: 1 } })
    const next = await events(poll)
    assert.deepEqual(next.body.events.map((e: { id: string; event_type: string }) => e.event_type).sort(), ['metric', 'span_completed'])
    poll = next.body.poll_cursor
    assert.deepEqual((await events(poll)).body.events, [])
  })

  it('refuses malformed cursors and limits with 400 naming the parameter', async () => {
    for (const [qs, code] of [
      ['after=garbage!', 'invalid_cursor'],
      ['after=eyJrIjoidHJhY2VzIn0', 'invalid_cursor'],
      ['after=' + Buffer.from('{"k":"timeline","s":"x"}').toString('base64url'), 'invalid_cursor'],
      ['after=' + Buffer.from('{"k":"timeline","s":1,"r":0,"i":"\\u0000"}').toString('base64url'), 'invalid_cursor'],
      ['after=' + Buffer.from('{"k":"timeline","s":1e300,"r":0,"i":""}').toString('base64url'), 'invalid_cursor'],
      ['after=' + Buffer.from('{"k":"timeline","s":1,"r":1e300,"i":""}').toString('base64url'), 'invalid_cursor'],
      ['limit=0', 'validation_error'],
      ['limit=501', 'validation_error'],
      ['limit=ten', 'validation_error'],
    ]) {
      const res = await api(server.url, 'GET', `/api/traces/${trace.id}/events?${qs}`, h())
      assert.equal(res.status, 400, qs)
      assert.equal(res.body.code, code, qs)
      assert.match(res.body.message, /after|limit/, qs)
    }
    assert.equal((await api(server.url, 'GET', `/api/traces/${trace.id}/events`, { headers: { 'x-api-key': otherKey } })).status, 404)
  })

  it('streams a span written after connect, and resumes from Last-Event-ID', async () => {
    const url = `${server.url}/api/traces/${trace.id}/stream`
    const s1 = await openStream(url, { 'x-api-key': key })
    assert.equal(s1.status, 200)
    assert.match(s1.contentType ?? '', /text\/event-stream/)
    const ready = await s1.waitFor((m) => m.event === 'ready')
    assert.equal(typeof ready.data.after, 'number')
    const span = await f.span(trace, { span_id: 'live-1', parent: 'root', name: 'live call', type: 'llm', start: at(20) })
    await f.notify([trace.id], Number(span.change_seq))
    const got = await s1.waitFor((m) => m.event === 'span' && m.data.span_id === 'live-1')
    assert.equal(got.id, String(span.change_seq))
    assert.equal(got.data.status, 'STARTED')
    await s1.close()

    // Written while nobody listened: a reconnect with Last-Event-ID gets exactly what followed.
    const seq = await f.finishSpan(trace, 'live-1', 'completed', at(21))
    const ev = await f.event(trace, { span_id: 'live-1', event_type: 'effect', ts: at(21), payload: { effect_kind: 'tool_call', effect_id: 'eff-1' } })
    const s2 = await openStream(url, { 'x-api-key': key, 'last-event-id': got.id! })
    const updated = await s2.waitFor((m) => m.event === 'span' && m.data.span_id === 'live-1')
    assert.equal(updated.data.status, 'COMPLETED')
    assert.equal(updated.id, String(seq))
    const effect = await s2.waitFor((m) => m.event === 'event')
    assert.equal(effect.data.id, ev.id)
    assert.equal(effect.id, String(ev.change_seq))
    assert.equal(s2.messages.filter((m) => m.event === 'span' && m.data.span_id === 'live-1').length, 1, 'nothing older is replayed')
    await s2.close()
  })

  it('keeps streaming after its LISTEN connection is terminated', async () => {
    const s = await openStream(`${server.url}/api/traces/${trace.id}/stream`, { 'x-api-key': key })
    await s.waitFor((m) => m.event === 'ready')
    const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`.execute(t.db)
    assert.equal(killed.rows[0]!.n, 1, 'exactly one LISTEN connection serves the process')
    const ev = await f.event(trace, { span_id: 'root', event_type: 'log', message: 'after reconnect' })
    await f.notify([trace.id], ev.change_seq)
    const got = await s.waitFor((m) => m.event === 'event' && m.data.message === 'after reconnect')
    assert.equal(got.data.id, ev.id)
    await s.close()
  })

  it('sends heartbeat comments while idle', async () => {
    const chunks: string[] = []
    const closers: Array<() => void> = []
    const row = (await getTrace(t.db, undefined, trace.id))!
    await runTraceStream(
      { write: (c) => chunks.push(c), onClose: (fn) => closers.push(fn), end: () => closers.forEach((fn) => fn()), stopping: () => false },
      { db: t.db, feed: undefined, logger: createLogger({ level: 'silent', format: 'json' }), trace: row, after: undefined, heartbeatMs: 30, pollMs: 60_000 },
    )
    await new Promise((r) => setTimeout(r, 120))
    closers.forEach((fn) => fn())
    assert.match(chunks[0]!, /^retry: \d+\nid: |^retry: \d+\nevent: ready/)
    assert.ok(chunks.filter((c) => c === ': heartbeat\n\n').length >= 2, JSON.stringify(chunks))
  })

  it('still streams without a LISTEN connection, by re-reading on a timer', async () => {
    const plain = await startTestServer(t.db) // no pool: no change feed
    try {
      const s = await openStream(`${plain.url}/api/traces/${trace.id}/stream`, { 'x-api-key': key })
      await s.waitFor((m) => m.event === 'ready')
      await f.span(trace, { span_id: 'polled', parent: 'root', name: 'polled', start: at(30) })
      const got = await s.waitFor((m) => m.event === 'span' && m.data.span_id === 'polled', 8000)
      assert.equal(got.data.name, 'polled')
      await s.close()
    } finally {
      await plain.close()
    }
  })

  it('keeps a timeline cursor valid after the entry it points at is deleted', async () => {
    const ev = await f.event(trace, { span_id: 'root', event_type: 'custom', payload: { n: 1 } })
    const page = await events()
    let cursor: string | undefined
    let last
    for (;;) {
      last = await events(cursor, 500)
      if (!last.body.has_more) break
      cursor = last.body.next_cursor
    }
    assert.ok(page.body.events.some((e: { id: string }) => e.id === ev.id))
    const poll = last.body.poll_cursor
    await t.db.deleteFrom('span_events').where('id', '=', ev.id).execute()
    const after = await events(poll)
    assert.equal(after.status, 200)
    const ev2 = await f.event(trace, { span_id: 'root', event_type: 'custom', payload: { n: 2 } })
    assert.deepEqual((await events(poll)).body.events.map((e: { id: string }) => e.id), [ev2.id])
  })

  it('ends open streams when the server stops accepting, so shutdown is not held up', async () => {
    const app = createApp({ db: t.db, logger: createLogger({ level: 'silent', format: 'json' }), auth: { adminToken: undefined, host: '127.0.0.1' }, maxBodyBytes: 1 << 20, pool: t.pool })
    const srv = http.createServer(app)
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/traces/${trace.id}/stream`
    const res = await fetch(url, { headers: { 'x-api-key': key } })
    const reader = res.body!.getReader()
    await reader.read() // ready
    const started = Date.now()
    const closed = new Promise<void>((r) => srv.close(() => r()))
    for (;;) if ((await reader.read()).done) break
    await closed
    assert.ok(Date.now() - started < 5000, `closed after ${Date.now() - started} ms`)
  })

  it('refuses a malformed resume point and another project\'s trace', async () => {
    const bad = await api(server.url, 'GET', `/api/traces/${trace.id}/stream?after=yesterday`, h())
    assert.equal(bad.status, 400)
    assert.match(bad.body.message, /after/)
    const other = await api(server.url, 'GET', `/api/traces/${trace.id}/stream`, { headers: { 'x-api-key': otherKey } })
    assert.equal(other.status, 404)
  })
})
