import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { StartRunResponse } from '../../src/contract/runs.js'
import { SessionCompare, SessionList } from '../../src/contract/sessions.js'
import { Span, TimelineEvent, TraceDetail, TraceList } from '../../src/contract/traces.js'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { seedDemo, type SeedResult } from '../../src/seed/index.js'
import { cliRunner, startCli, tempHome } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'
import * as wf from '../engine/workflows.fixture.js'

// The trace, traces and sessions commands as real subprocesses against a real server with the
// seeded demo data (and a real engine worker for run traces).

const ANSI = /\u001b\[/

describe('continua trace/traces/sessions against a live server', () => {
  let t: TestDatabase
  let server: TestServer
  let worker: EngineWorker
  let seed: SeedResult
  let env: Record<string, string>
  const { cli, json } = cliRunner(() => env)
  const traceId = (external: string) => seed.traces.find((x) => x.trace_id === external)!.id

  before(async () => {
    t = await createTestDatabase()
    seed = await seedDemo(t.db)
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, concurrency: 4, pollInterval: 300 })
    server = await startTestServer(t.db)
    env = { CONTINUA_API_URL: server.url, CONTINUA_API_KEY: seed.project.api_key!, CONTINUA_HOME: tempHome() }
  })
  after(async () => {
    await server?.close()
    await worker?.stop()
    await t?.drop()
  })

  it('traces list and sessions list: contract JSON, jsonl, and piped text without ANSI', async () => {
    const list = TraceList.parse(await json(['traces', 'list', '--limit', '100']))
    assert.ok(list.traces.some((x) => x.trace_id === 'demo-trip-book' && x.status === 'FAILED'))
    const failed = TraceList.parse(await json(['traces', 'list', '--status', 'failed']))
    assert.ok(failed.traces.length >= 1 && failed.traces.every((x) => x.status === 'FAILED'))
    const jsonl = await cli(['traces', 'list', '-o', 'jsonl', '--session', seed.traces.find((x) => x.trace_id === 'demo-research-baseline')!.session_id === 'demo-session-compare' ? list.traces.find((x) => x.trace_id === 'demo-research-baseline')!.session_id! : ''])
    assert.equal(jsonl.code, 0, jsonl.stderr)
    const lines = jsonl.stdout.trim().split('\n')
    assert.equal(lines.length, 2)
    const text = await cli(['traces', 'list', '--search', 'demo-trip-book'])
    assert.equal(text.code, 0)
    assert.doesNotMatch(text.stdout, ANSI)
    assert.match(text.stdout, /\tFAILED\tbook/)
    const sessions = SessionList.parse(await json(['sessions', 'list', '--search', 'demo-session']))
    assert.deepEqual(sessions.sessions.map((s) => s.external_id).sort(), ['demo-session-compare', 'demo-session-scale', 'demo-session-trip'])
    const stext = await cli(['sessions', 'list', '--no-color', '-q', 'demo-session'])
    assert.doesNotMatch(stext.stdout, ANSI)
    assert.equal(stext.stdout.trim().split('\n').length, 3)
  })
  it('trace inspect: tree with glyph fallback, durations, primary error, --events, --span, -o json', async () => {
    const id = traceId('demo-trip-book')
    const text = await cli(['trace', 'inspect', id])
    assert.equal(text.code, 0, text.stderr)
    assert.doesNotMatch(text.stdout, ANSI)
    assert.match(text.stdout, /^TRACE /)
    assert.match(text.stdout, /FAILED/)
    assert.match(text.stdout, /^Error in .+: .+/m)
    assert.match(text.stdout, /\[!\] \[tool\] .* ◀ error/)
    assert.match(text.stdout, /\d+(ms|\.\d+s)/)
    const byExternal = await cli(['trace', 'inspect', 'demo-trip-book'])
    assert.equal(byExternal.stdout, text.stdout)

    const data = (await json(['trace', 'inspect', id])) as { trace: unknown; spans: unknown[] }
    const detail = TraceDetail.parse(data.trace)
    assert.equal(detail.id, id)
    const spans = data.spans.map((s) => Span.parse(s))
    assert.equal(spans.length, detail.total_spans)

    const withEvents = await cli(['trace', 'inspect', traceId('demo-trip-plan'), '--events'])
    assert.match(withEvents.stdout, /· \d\d:\d\d:\d\d\.\d{3} decision/)
    const evJson = (await json(['trace', 'inspect', traceId('demo-trip-plan'), '--events'])) as { events: unknown[] }
    assert.ok(evJson.events.length > 5)
    evJson.events.forEach((e) => TimelineEvent.parse(e))

    const one = await cli(['trace', 'inspect', traceId('demo-trip-plan'), '--span', 'trip-plan-llm-plan'])
    assert.equal(one.code, 0, one.stderr)
    assert.match(one.stdout, /model\s+gpt-4o \(openai\)/)
    assert.match(one.stdout, /"You are a travel planner\."/)
    const failedOnly = await cli(['trace', 'inspect', traceId('demo-trip-plan'), '--failed'])
    assert.match(failedOnly.stdout, /search_flights/)
    assert.doesNotMatch(failedOnly.stdout, /plan_steps/)
  })
  it('trace inspect <run id> shows the engine run trace', async () => {
    const started = StartRunResponse.parse(await json(['runs', 'start', 'three-steps', '--input', '{"name":"z"}']))
    assert.equal((await cli(['runs', 'wait', started.run_id])).code, 0)
    let r = await cli(['trace', 'inspect', started.run_id, '--json'])
    for (let i = 0; i < 50 && r.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 200))
      r = await cli(['trace', 'inspect', started.run_id, '--json'])
    }
    assert.equal(r.code, 0, r.stderr)
    assert.equal(TraceDetail.parse(JSON.parse(r.stdout).trace).trace_id, `engine:${started.run_id}`)
  })
  it('trace diff prints the compare result; --json is the compare contract', async () => {
    const diff = SessionCompare.parse(await json(['trace', 'diff', 'demo-research-baseline', 'demo-research-candidate']))
    assert.ok(diff.span_diffs.some((d) => d.diff_status !== 'unchanged'))
    const text = await cli(['trace', 'diff', traceId('demo-research-baseline'), traceId('demo-research-candidate')])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^baseline /)
    assert.match(text.stdout, /^[-+~] .*(baseline_only|candidate_only|changed)/m)
    const cross = await cli(['trace', 'diff', 'demo-research-baseline', 'demo-trip-plan'])
    assert.equal(cross.code, 2)
  })

  it('trace inspect --follow prints until the trace ends (SSE)', async () => {
    const started = StartRunResponse.parse(await json(['runs', 'start', 'approval', '--input', '{"timeout":"1h"}', '--instance-key', 'cli-follow']))
    let first = await cli(['trace', 'inspect', started.run_id])
    for (let i = 0; i < 50 && first.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 200))
      first = await cli(['trace', 'inspect', started.run_id])
    }
    assert.match(first.stdout, /RUNNING/)
    const follow = startCli(['trace', 'inspect', started.run_id, '--follow'], env)
    await follow.waitFor(/^TRACE approval/m, 30_000)
    const sig = await api(server.url, 'POST', `/v1/engine/runs/${started.run_id}/signal`, { headers: { 'x-api-key': seed.project.api_key! }, body: { signal_name: 'approve', payload: { ok: true } } })
    assert.equal(sig.status, 200)
    await follow.waitFor(/^Trace completed/m, 30_000)
    // It ends by itself once the trace has ended.
    const code = await new Promise<number | null>((resolve) => {
      if (follow.child.exitCode !== null) return resolve(follow.child.exitCode)
      const timer = setTimeout(() => resolve(-1), 15_000)
      follow.child.on('exit', (c) => (clearTimeout(timer), resolve(c)))
    })
    await follow.stop()
    assert.equal(code, 0)
  })
})
