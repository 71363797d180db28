import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { SessionRow, TraceRow } from '../../src/db/schema.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { at, Fixtures } from '../helpers/observability-fixtures.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'

const ADMIN = 'admin-token-for-read-tests-0123'

describe('session read APIs: list, detail, narrative, compare', () => {
  let t: TestDatabase
  let server: TestServer
  let key: string
  let keyB: string
  let projectB: string
  let f: Fixtures
  const s: Record<string, SessionRow> = {}
  const tr: Record<string, TraceRow> = {}
  let sessionB: SessionRow
  let traceB: TraceRow

  const get = (path: string, k = key) => api(server.url, 'GET', path, { headers: { 'x-api-key': k } })

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN })
    const a = await createProject(t.db, 'sessions-a')
    const b = await createProject(t.db, 'sessions-b')
    ;[key, keyB, projectB] = [a.api_key, b.api_key, b.id]
    f = new Fixtures(t.db, a.id)
    const fb = new Fixtures(t.db, b.id)

    s.story = await f.session('story-1', { name: 'Trip planning', user_id: 'alice', created_at: at(0) })
    s.cmp = await f.session('cmp-1', { name: 'Compare runs', user_id: 'bob', created_at: at(1) })
    s.pct = await f.session('100%-off', { user_id: 'carol', created_at: at(2) })
    s.empty = await f.session('story-empty', { user_id: 'alice_x', created_at: at(3) })
    sessionB = await fb.session('story-b', { user_id: 'alice', created_at: at(4) })
    traceB = await fb.trace({ trace_id: 'b-1', session: sessionB, start: at(0), end: at(1) })

    // Narrative: t1 then t2 strictly after (inferred), t3 overlapping t2 (unlinked), t4 explicit → t1.
    tr.t1 = await f.trace({ trace_id: 'n-1', name: 'plan', session: s.story, start: at(0), end: at(10), total_cost: '0.1', total_tokens_in: 10, total_tokens_out: 5 })
    await f.span(tr.t1, { span_id: 'n1-root', name: 'agent', start: at(0), end: at(10) })
    await f.event(tr.t1, { span_id: 'n1-root', event_type: 'decision', ts: at(2), payload: { question: 'Which city?', chosen: 'Lisbon' } })
    await f.event(tr.t1, { span_id: 'n1-root', event_type: 'log', ts: at(3), message: 'not semantic' })
    await f.event(tr.t1, { span_id: 'n1-root', event_type: 'effect', ts: at(4), payload: { effect_kind: 'tool_call', effect_id: 'e-1' } })
    tr.t2 = await f.trace({ trace_id: 'n-2', name: 'book', session: s.story, start: at(20), end: at(30), status: 'failed', total_cost: '0.2' })
    tr.t3 = await f.trace({ trace_id: 'n-3', name: 'notify', session: s.story, start: at(25), end: at(26) })
    tr.t4 = await f.trace({ trace_id: 'n-4', name: 'retry', session: s.story, start: at(100), status: 'running', metadata: { __continua_lineage: { parent_trace_id: 'n-1', link_kind: 'retry' } } })
    await f.trace({ trace_id: 'pct-1', session: s.pct, start: at(5) })
    await f.trace({ trace_id: 'pct-2', session: s.pct, start: at(6) })
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  it('lists sessions with counts, sorting and total, only in the caller\'s project', async () => {
    const res = await get('/api/sessions')
    assert.equal(res.status, 200)
    assert.equal(res.body.total, 4)
    assert.deepEqual(res.body.sessions.map((x: { external_id: string }) => x.external_id), ['story-empty', '100%-off', 'cmp-1', 'story-1'])
    const story = res.body.sessions.find((x: { external_id: string }) => x.external_id === 'story-1')
    assert.equal(story.trace_count, 4)
    assert.equal(story.name, 'Trip planning')
    assert.equal(story.created_at, at(0))
    for (const field of ['updated_at', 'last_activity_at', 'metadata']) assert.ok(field in story, field)
    const byCount = await get('/api/sessions?sort_by=trace_count&sort_dir=desc&limit=2')
    assert.deepEqual(byCount.body.sessions.map((x: { external_id: string }) => x.external_id), ['story-1', '100%-off'])
    assert.equal(byCount.body.total, 4)
    const paged = await get('/api/sessions?sort_dir=asc&limit=1&offset=1')
    assert.deepEqual(paged.body.sessions.map((x: { external_id: string }) => x.external_id), ['cmp-1'])
    assert.equal((await get('/api/sessions?sort_by=last_activity_at')).status, 200)
    assert.deepEqual((await get('/api/sessions?user_id=alice')).body.sessions.map((x: { id: string }) => x.id), [s.story!.id])
  })

  it('ranks search results (exact id, exact external id, exact user, prefixes) and escapes wildcards', async () => {
    const q = async (text: string) => (await get(`/api/sessions?q=${encodeURIComponent(text)}`)).body.sessions.map((x: { external_id: string }) => x.external_id)
    assert.deepEqual(await q(s.cmp!.id), ['cmp-1'])
    assert.deepEqual(await q('story'), ['story-empty', 'story-1'], 'prefix matches, newest first')
    assert.deepEqual(await q('alice'), ['story-1', 'story-empty'], 'exact user before a prefix of another user')
    assert.deepEqual(await q('%'), ['100%-off'])
    assert.deepEqual(await q('_'), ['story-empty'])
    assert.deepEqual(await q('story-b'), [], 'never another project')
  })

  it('answers malformed list parameters with 400 naming the parameter', async () => {
    for (const [qs, param] of [
      ['sort_by=name', 'sort_by'],
      ['sort_dir=up', 'sort_dir'],
      ['limit=lots', 'limit'],
      ['offset=1e3', 'offset'],
      [`q=${'x'.repeat(600)}`, 'q'],
      ['project_id=123', 'project_id'],
      ['q=%00', 'q'],
      ['user_id=a%00', 'user_id'],
    ]) {
      const res = await get(`/api/sessions?${qs}`)
      assert.equal(res.status, 400, qs)
      assert.match(res.body.message, new RegExp(param!), qs)
    }
  })

  it('returns one session and 404 across projects or for a malformed id', async () => {
    const res = await get(`/api/sessions/${s.story!.id}`)
    assert.equal(res.status, 200)
    assert.equal(res.body.trace_count, 4)
    assert.equal(res.body.user_id, 'alice')
    for (const suffix of ['', '/narrative', `/compare?baseline_trace_id=${traceB.id}&candidate_trace_id=${tr.t1!.id}`]) {
      const other = await get(`/api/sessions/${sessionB.id}${suffix}`)
      assert.equal(other.status, 404, suffix)
      assert.equal(other.body.code, 'session_not_found')
    }
    assert.equal((await get('/api/sessions/nope')).status, 404)
    assert.equal((await get(`/api/sessions?project_id=${projectB}`)).status, 403)
    const admin = await api(server.url, 'GET', '/api/sessions', { headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(admin.body.total, 5, 'an operator without project_id lists across projects')
    assert.equal((await get('/api/sessions', keyB)).body.total, 1)
  })

  it('builds a deterministic narrative with explicit, inferred and unlinked lineage', async () => {
    const res = await get(`/api/sessions/${s.story!.id}/narrative`)
    assert.equal(res.status, 200)
    const again = await get(`/api/sessions/${s.story!.id}/narrative`)
    assert.deepEqual(again.body, res.body, 'deterministic')
    const { summary, traces } = res.body
    assert.deepEqual(
      { ...summary },
      {
        total_trace_count: 4,
        returned_trace_count: 4,
        truncated: false,
        running_trace_count: 1,
        completed_trace_count: 2,
        failed_trace_count: 1,
        total_cost_usd: 0.3,
        total_cost_usd_decimal: '0.3',
        total_tokens_in: 10,
        total_tokens_out: 5,
        started_at: at(0),
        last_activity_at: summary.last_activity_at,
        explicit_link_count: 1,
        inferred_link_count: 1,
        unlinked_trace_count: 2,
      },
    )
    assert.deepEqual(
      traces.map((x: { trace_id: string; lineage: unknown }) => [x.trace_id, x.lineage]),
      [
        ['n-1', { type: 'unlinked' }],
        ['n-2', { type: 'inferred', parent_trace_id: 'n-1' }],
        ['n-3', { type: 'unlinked' }],
        ['n-4', { type: 'explicit', parent_trace_id: 'n-1', link_kind: 'retry' }],
      ],
    )
    const first = traces[0]
    assert.equal(first.status, 'COMPLETED')
    assert.equal(first.duration_ms, 10_000)
    assert.equal(first.latest_activity_at, at(10))
    assert.deepEqual(first.semantic_events.map((e: { event_type: string }) => e.event_type), ['decision', 'effect'])
    assert.equal(first.semantic_events[0].trace_id, tr.t1!.id, 'nested events keep the internal trace id')
    assert.equal(first.semantic_events[0].span_name, 'agent')
    assert.equal(traces[3].duration_ms, undefined, 'open traces have no duration')
    const empty = await get(`/api/sessions/${s.empty!.id}/narrative`)
    assert.equal(empty.body.summary.started_at, null)
    assert.deepEqual(empty.body.traces, [])
  })

  it('caps the narrative at the first 100 traces and says so', async () => {
    const many = await f.session('many', { created_at: at(5) })
    await sql`insert into traces (project_id, session_id, trace_id, name, status, start_time, end_time, metadata)
              select ${many.project_id}, ${many.id}, 'many-' || lpad(g::text, 3, '0'), 'step', 'completed',
                     ${at(0)}::timestamptz + g * interval '1 minute', ${at(0)}::timestamptz + g * interval '1 minute' + interval '10 seconds', '{}'::jsonb
              from generate_series(1, 101) g`.execute(t.db)
    const res = await get(`/api/sessions/${many.id}/narrative`)
    assert.equal(res.status, 200)
    assert.equal(res.body.summary.total_trace_count, 101)
    assert.equal(res.body.summary.returned_trace_count, 100)
    assert.equal(res.body.summary.truncated, true)
    assert.equal(res.body.traces[0].trace_id, 'many-001')
    assert.equal(res.body.traces[99].trace_id, 'many-100')
    assert.equal(res.body.summary.inferred_link_count, 99, 'strictly sequential traces chain by inference')
  })

  describe('compare', () => {
    let base: TraceRow
    let cand: TraceRow
    let running: TraceRow

    before(async () => {
      base = await f.trace({ trace_id: 'c-base', name: 'run', session: s.cmp, start: at(0), end: at(10) })
      cand = await f.trace({ trace_id: 'c-cand', name: 'run', session: s.cmp, start: at(20), end: at(31) })
      running = await f.trace({ trace_id: 'c-open', name: 'run', session: s.cmp, start: at(40), status: 'running' })
      const tree = async (trace: TraceRow, p: string, t0: number, withCache: boolean, chosen: string, answer: string) => {
        await f.span(trace, { span_id: `${p}-root`, name: 'Agent', type: 'agent', start: at(t0), end: at(t0 + 10), duration_ms: 10_000 })
        await f.span(trace, { span_id: `${p}-plan`, parent: `${p}-root`, name: 'plan', type: 'llm', start: at(t0 + 1), end: at(t0 + 2), duration_ms: 1000, prompt_tokens: 100, completion_tokens: 10, total_cost: '0.01', input: { prompt: 'go' } })
        await f.event(trace, { span_id: `${p}-plan`, event_type: 'decision', ts: at(t0 + 1.5), payload: { question: 'Which  TOOL?', chosen, reasoning: 'r' } })
        if (withCache) await f.span(trace, { span_id: `${p}-cache`, parent: `${p}-root`, name: 'check_cache', type: 'tool', start: at(t0 + 2.5), end: at(t0 + 3), duration_ms: 500 })
        await f.span(trace, { span_id: `${p}-search`, parent: `${p}-root`, name: 'search', type: 'tool', start: at(t0 + 3), end: at(t0 + 4), duration_ms: 1000 })
        await f.event(trace, { span_id: `${p}-search`, event_type: 'effect', ts: at(t0 + 3.5), payload: { effect_kind: 'tool_call', effect_id: 'eff-search', has_external_side_effect: false } })
        await f.span(trace, { span_id: `${p}-sum`, parent: `${p}-root`, name: 'summarize', type: 'llm', start: at(t0 + 5), end: at(t0 + 6), duration_ms: 1000, prompt_tokens: 50, completion_tokens: 20, total_cost: withCache ? '0.0205' : '0.02', output: { answer } })
        await f.span(trace, { span_id: 'shared-final', parent: `${p}-root`, name: 'finalize', type: 'chain', start: at(t0 + 7), end: at(t0 + 8), duration_ms: 1000 })
      }
      await tree(base, 'b', 0, false, 'search', 'Lisbon')
      await tree(cand, 'c', 20, true, 'cache', 'Porto')
    })

    const compare = (b: string, c: string, session = s.cmp!.id) => get(`/api/sessions/${session}/compare?baseline_trace_id=${b}&candidate_trace_id=${c}`)

    it('aligns siblings so one inserted span leaves the later ones matched (defect 23)', async () => {
      const res = await compare(base.id, cand.id)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const rows = res.body.span_diffs.map((r: any) => [
        r.baseline_span?.span_id ?? null,
        r.candidate_span?.span_id ?? null,
        r.diff_status,
        r.match_source ?? null,
        r.depth,
      ])
      assert.deepEqual(rows, [
        ['b-root', 'c-root', 'unchanged', 'heuristic', 0],
        ['b-plan', 'c-plan', 'changed', 'heuristic', 1],
        [null, 'c-cache', 'candidate_only', null, 1],
        ['b-search', 'c-search', 'unchanged', 'heuristic', 1],
        ['b-sum', 'c-sum', 'changed', 'heuristic', 1],
        ['shared-final', 'shared-final', 'unchanged', 'stable_id', 1],
      ])
      const plan = res.body.span_diffs[1]
      assert.deepEqual(plan.changed_fields, [])
      assert.equal(plan.semantic_groups.length, 1)
      assert.equal(plan.semantic_groups[0].match_reason, 'unique_normalized_question')
      assert.deepEqual(plan.semantic_groups[0].changed_fields, ['chosen'])
      assert.equal(plan.semantic_groups[0].baseline_event.payload.chosen, 'search')
      assert.equal(plan.semantic_groups[0].candidate_event.payload.chosen, 'cache')
      const search = res.body.span_diffs[3]
      assert.equal(search.semantic_groups[0].diff_status, 'unchanged')
      assert.equal(search.semantic_groups[0].match_reason, 'exact_effect_id')
      const sum = res.body.span_diffs[4]
      assert.deepEqual(sum.changed_fields, ['cost_usd', 'output'])
      assert.deepEqual(sum.payload_diffs, [{ field: 'output', path: '$.answer', baseline: 'Lisbon', candidate: 'Porto' }])

      const summary = res.body.summary
      assert.deepEqual(
        { ...summary },
        {
          total_spans_baseline: 5,
          total_spans_candidate: 6,
          matched_spans: 5,
          unmatched_baseline_spans: 0,
          unmatched_candidate_spans: 1,
          heuristic_matches: 4,
          duration_delta_ms: 1000,
          tokens_in_delta: 0,
          tokens_out_delta: 0,
          cost_delta_usd: 0.0005,
          cost_delta_usd_decimal: '0.0005',
          total_semantic_baseline: 2,
          total_semantic_candidate: 2,
        },
      )
      assert.equal(res.body.session.external_id, 'cmp-1')
      assert.equal(res.body.baseline.trace_id, 'c-base')
      assert.equal(res.body.candidate.total_cost_usd_decimal, '0.0305', 'summed from spans while the rollup has not run')
    })

    it('reports the removal the other way round as baseline_only', async () => {
      const res = await compare(cand.id, base.id)
      const only = res.body.span_diffs.filter((r: any) => r.diff_status !== 'unchanged' && r.diff_status !== 'changed')
      assert.deepEqual(only.map((r: any) => [r.diff_status, r.baseline_span.span_id]), [['baseline_only', 'c-cache']])
      assert.equal(res.body.summary.cost_delta_usd_decimal, '-0.0005')
    })

    it('validates the request', async () => {
      const same = await compare(base.id, base.id)
      assert.equal(same.status, 400)
      assert.equal(same.body.code, 'invalid_compare_request')
      const open = await compare(base.id, running.id)
      assert.equal(open.status, 400)
      assert.match(open.body.message, /candidate_trace_id/)
      const foreign = await compare(base.id, tr.t1!.id)
      assert.equal(foreign.status, 404)
      assert.match(foreign.body.message, /candidate_trace_id/)
      const otherProject = await compare(base.id, traceB.id)
      assert.equal(otherProject.status, 404)
      for (const [qs, param] of [
        [`baseline_trace_id=${base.id}`, 'candidate_trace_id'],
        [`baseline_trace_id=x&candidate_trace_id=${cand.id}`, 'baseline_trace_id'],
      ]) {
        const res = await get(`/api/sessions/${s.cmp!.id}/compare?${qs}`)
        assert.equal(res.status, 400, qs)
        assert.match(res.body.message, new RegExp(param!))
      }
    })

    it('answers 422 comparison_too_large with the counts in the error envelope', async () => {
      const big = await f.trace({ trace_id: 'c-big', name: 'big', session: s.cmp, start: at(50), end: at(60) })
      await sql`insert into spans (project_id, trace_id, span_id, name, start_time, status, metadata, first_change_seq, change_seq)
                select ${big.project_id}, ${big.id}, 'big-' || g, 'step', ${at(50)}::timestamptz, 'completed', '{}'::jsonb, 0, 0
                from generate_series(1, 501) g`.execute(t.db)
      const res = await compare(base.id, big.id)
      assert.equal(res.status, 422)
      assert.equal(res.body.code, 'comparison_too_large')
      const expected = { baseline_span_count: 5, candidate_span_count: 501, baseline_semantic_count: 2, candidate_semantic_count: 0, max_spans: 500, max_semantic_events: 1000 }
      assert.deepEqual(res.body.details, expected)
      assert.deepEqual(res.body.detail, expected, 'the reference key, for its clients')
    })
  })
})
