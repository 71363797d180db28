import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { IngestRequest } from '../../src/contract/ingest.js'
import { ingestSync } from '../../src/ingest/index.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

// The read side against the real write path: ingest stamps change_seq and notifies on commit.

const T = (s: number) => new Date(Date.parse('2026-02-01T10:00:00Z') + s * 1000).toISOString()

describe('read APIs over data written by ingestSync', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let projectId: string
  let traceUuid: string

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { pool: t.pool })
    const p = await createProject(t.db, 'live')
    ;[key, projectId] = [p.api_key, p.id]
    await ingestSync(t.db, projectId, {
      batch_key: 'b1',
      traces: [{ trace_id: 'live-1', name: 'live run', session_id: 'live-session', status: 'running', start_time: T(0) }],
      spans: [{ trace_id: 'live-1', span_id: 'root', name: 'agent', type: 'agent', start_time: T(0) }],
    })
    const list = await api(server.url, 'GET', '/api/traces', { headers: { 'x-api-key': key } })
    traceUuid = list.body.traces[0].id
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  const events = (after?: string, limit = 500) =>
    api(server.url, 'GET', `/api/traces/${traceUuid}/events?limit=${limit}${after ? `&after=${after}` : ''}`, { headers: { 'x-api-key': key } })

  /** Opens a trace's SSE stream; readUntil returns everything read once the pattern shows up. */
  async function openStream(id: string) {
    const controller = new AbortController()
    const res = await fetch(`${server.url}/api/traces/${id}/stream`, { headers: { 'x-api-key': key }, signal: controller.signal })
    const reader = res.body!.getReader()
    let text = ''
    return {
      async readUntil(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
        const deadline = Date.now() + timeoutMs
        while (!pattern.test(text)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${text}`)
          const { value, done } = await reader.read()
          if (done) throw new Error('stream ended')
          text += new TextDecoder().decode(value)
        }
        return text
      },
      close: () => controller.abort(),
    }
  }

  it('streams what a later ingest batch writes, with no manual notification', async () => {
    const stream = await openStream(traceUuid)
    await stream.readUntil(/event: ready/)
    await ingestSync(t.db, projectId, {
      batch_key: 'b2',
      spans: [
        { trace_id: 'live-1', span_id: 'child', parent_span_id: 'root', name: 'lookup', type: 'tool', start_time: T(1), end_time: T(2), status: 'completed' },
        { trace_id: 'live-1', span_id: 'root', name: 'agent', type: 'agent', start_time: T(0), end_time: T(3), status: 'completed' },
      ],
      events: [{ trace_id: 'live-1', span_id: 'child', event_type: 'log', message: 'found it', event_ts: T(1.5) }],
    })
    const text = await stream.readUntil(/"message":"found it"/)
    assert.match(text, /event: span\nid: \d+|id: \d+\nevent: span/)
    assert.match(text, /"span_id":"child"/)
    assert.match(text, /"span_id":"root","name":"agent".*"status":"COMPLETED"/s)
    stream.close()
  })

  it('streams a write whose change notice never came, within the safety re-read', async () => {
    // A trace written by SQL alone: no ingest, so no rollup job whose notice could wake the stream.
    const { rows } = await t.pool.query(
      `with c as (insert into trace_change_counters (project_id, trace_id, last_seq) values ($1, 'quiet-1', 1))
       insert into traces (project_id, trace_id, name, status, start_time, change_seq) values ($1, 'quiet-1', 'quiet', 'running', now(), 1) returning id`,
      [projectId],
    )
    const quiet = rows[0].id
    const stream = await openStream(quiet)
    await stream.readUntil(/event: ready/)
    // As if the writer died between its commit and its notice: a row with a new change number, no NOTIFY.
    await t.pool.query(
      `with n as (update trace_change_counters set last_seq = last_seq + 1 where project_id = $1 and trace_id = 'quiet-1' returning last_seq)
       insert into span_events (project_id, trace_id, span_id, event_type, message, change_seq)
       select $1, $2::uuid, 'root', 'log', 'written without a notice', n.last_seq from n`,
      [projectId, quiet],
    )
    await stream.readUntil(/"message":"written without a notice"/, 12_000)
    stream.close()
  })

  it('the light span list carries the trace\'s change high-water mark, read with the spans', async () => {
    const light = await api(server.url, 'GET', `/api/traces/${traceUuid}/spans?include_payloads=false`, { headers: { 'x-api-key': key } })
    assert.equal(light.status, 200)
    const { rows } = await t.pool.query(
      `select greatest((select max(change_seq) from spans where trace_id = $1), (select max(change_seq) from span_events where trace_id = $1),
         (select change_seq from traces where id = $1))::int as high`,
      [traceUuid],
    )
    assert.equal(light.body.high_water, rows[0].high)
    assert.ok(light.body.spans.every((s: { change_seq: number }) => s.change_seq <= light.body.high_water))
  })

  it('polling the timeline while batches commit concurrently sees every entry', async () => {
    const seen = new Set<string>()
    let cursor = (await events()).body.poll_cursor as string
    for (const e of (await events()).body.events) seen.add(e.id)
    let writing = true
    const poller = (async () => {
      while (writing) {
        const page = await events(cursor, 7)
        for (const e of page.body.events) seen.add(e.id)
        cursor = page.body.poll_cursor
        if (!page.body.has_more) await new Promise((r) => setTimeout(r, 5))
      }
    })()
    const batch = (i: number): IngestRequest => ({
      batch_key: `burst-${i}`,
      spans: [
        { trace_id: 'live-1', span_id: `s-${i}`, parent_span_id: 'root', name: `step ${i}`, start_time: T(10 + i), status: 'running' },
        // the previous batch's span finishes here: its span_completed must still reach the poller
        ...(i > 0 ? [{ trace_id: 'live-1', span_id: `s-${i - 1}`, name: `step ${i - 1}`, start_time: T(9 + i), end_time: T(10 + i), status: 'completed' as const }] : []),
      ],
      events: [{ trace_id: 'live-1', span_id: `s-${i}`, event_type: 'metric', payload: { metric_name: 'i', metric_value: i }, event_ts: T(10 + i) }],
    })
    for (let i = 0; i < 24; i += 4) await Promise.all([0, 1, 2, 3].map((k) => ingestSync(t.db, projectId, batch(i + k))))
    writing = false
    await poller
    for (;;) {
      const page = await events(cursor, 50)
      for (const e of page.body.events) seen.add(e.id)
      cursor = page.body.poll_cursor
      if (!page.body.has_more) break
    }
    const full = new Set<string>()
    let c: string | undefined
    for (;;) {
      const page = await events(c, 100)
      for (const e of page.body.events) full.add(e.id)
      if (!page.body.has_more) break
      c = page.body.next_cursor
    }
    assert.ok(full.size > 70, `timeline has ${full.size} entries`)
    assert.deepEqual([...full].filter((id) => !seen.has(id)), [], 'the poller missed nothing')
  })
})
