import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { EVENT_KINDS } from '../../src/contract/ingest.js'
import { runCli } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer } from '../helpers/server.js'

async function snapshot(t: TestDatabase) {
  const res = await sql<Record<string, number>>`
    select (select count(*) from sessions)::int as sessions, (select count(*) from traces)::int as traces,
           (select count(*) from spans)::int as spans, (select count(*) from span_events)::int as events,
           (select count(*) from ingest_batches)::int as batches, (select count(*) from projects where name = 'demo')::int as demo_projects,
           (select coalesce(max(last_seq), 0)::int from trace_change_counters) as last_seq,
           (select coalesce(sum(total_spans), 0)::int from traces where engine_run_id is null) as rolled_up_spans,
           (select count(*)::int from spans s join traces tr on tr.id = s.trace_id where tr.engine_run_id is null) as ingested_spans,
           (select count(*) from engine.runs)::int as runs,
           (select count(*) from engine.history)::int as history`.execute(t.db)
  return res.rows[0]!
}

describe('continua seed', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase()
  })
  after(async () => {
    await t.drop()
  })

  it('creates the demo project and data once, and a second run changes nothing', async () => {
    const first = await runCli(['seed', '--json'], { DATABASE_URL: t.url })
    assert.equal(first.code, 0, first.stderr)
    const r1 = JSON.parse(first.stdout)
    assert.equal(r1.project.name, 'demo')
    assert.equal(r1.project.created, true)
    assert.match(r1.project.api_key, /^ck_/)
    assert.equal(r1.batches.written, r1.batches.total)
    assert.ok(r1.sessions.length >= 3)
    const long = r1.traces.find((x: { trace_id: string }) => x.trace_id === 'demo-long-enrichment')
    assert.ok(long.spans >= 2000, `long trace has ${long.spans} spans`)
    const before = await snapshot(t)
    assert.equal(before.rolled_up_spans, before.ingested_spans, 'rollups ran for every written trace')
    assert.deepEqual(
      r1.runs.map((r: { state: string }) => r.state),
      ['completed', 'waiting', 'retrying', 'failed', 'cancelled', 'terminated', 'quarantined', 'continued_as_new'],
      'durable runs in every state',
    )
    const kinds = await sql<{ event_type: string }>`select distinct event_type from span_events order by 1`.execute(t.db)
    assert.deepEqual(kinds.rows.map((r) => r.event_type), [...EVENT_KINDS].sort(), 'every event kind is present')
    const llmWithDerivedCost = await sql<{ n: number }>`select count(*)::int as n from spans where cost_source = 'price_table'`.execute(t.db)
    assert.ok(llmWithDerivedCost.rows[0]!.n > 0)

    const second = await runCli(['seed', '--json'], { DATABASE_URL: t.url })
    assert.equal(second.code, 0, second.stderr)
    const r2 = JSON.parse(second.stdout)
    assert.equal(r2.project.created, false)
    assert.equal(r2.project.api_key, undefined, 'the key is printed only when the project is created')
    assert.equal(r2.project.id, r1.project.id)
    assert.equal(r2.batches.written, 0)
    assert.deepEqual(r2.traces, r1.traces)
    assert.deepEqual(r2.runs, r1.runs, 'the same runs, none started again')
    assert.deepEqual(await snapshot(t), before, 'identical counts and no new change numbers')

    const text = await runCli(['seed'], { DATABASE_URL: t.url })
    assert.equal(text.code, 0)
    assert.match(text.stdout, /Already seeded/)
    assert.doesNotMatch(text.stdout + text.stderr, /ck_/)
  })

  it('seeds a baseline/candidate pair that differs in one decision and one tool call', async () => {
    const server = await startTestServer(t.db)
    try {
      const sessions = await api(server.url, 'GET', '/api/sessions?q=demo-session-compare')
      const session = sessions.body.sessions[0]
      const traces = await api(server.url, 'GET', `/api/traces?session_id=${session.id}&sort_dir=asc`)
      const [base, cand] = traces.body.traces
      const res = await api(server.url, 'GET', `/api/sessions/${session.id}/compare?baseline_trace_id=${base.id}&candidate_trace_id=${cand.id}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const decisions = res.body.span_diffs.flatMap((r: any) => r.semantic_groups).filter((g: any) => g.event_type === 'decision')
      assert.deepEqual(decisions.map((g: any) => [g.diff_status, g.changed_fields.includes('chosen')]), [['changed', true]])
      const tools = res.body.span_diffs.filter((r: any) => (r.baseline_span ?? r.candidate_span).kind === 'TOOL')
      assert.deepEqual(
        tools.map((r: any) => [r.diff_status, r.baseline_span?.name ?? null, r.candidate_span?.name ?? null]),
        [['baseline_only', 'search_docs', null], ['candidate_only', null, 'search_web']],
      )
      const long = await api(server.url, 'GET', '/api/traces?q=demo-long-enrichment')
      assert.ok(long.body.traces[0].total_spans >= 2000)
      const timeline = await api(server.url, 'GET', `/api/traces/${long.body.traces[0].id}/events?limit=500`)
      assert.equal(timeline.body.events.length, 500)
      assert.equal(timeline.body.has_more, true)
    } finally {
      await server.close()
    }
  })
})
