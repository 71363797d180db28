import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ControlResponse, RunHistoryPage, RunList, RunResult, RunSummary, StartRunResponse, HistoryEvent } from '../../src/contract/runs.js'
import { SessionCompare, SessionList } from '../../src/contract/sessions.js'
import { Span, TimelineEvent, TraceDetail, TraceList } from '../../src/contract/traces.js'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { seedDemo, type SeedResult } from '../../src/seed/index.js'
import { runCli, tempHome } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import * as wf from '../engine/workflows.fixture.js'

// The run and trace commands as real subprocesses against a real server with seeded data and a
// real engine worker.

const ANSI = /\u001b\[/

describe('continua runs/trace/traces/sessions against a live server', () => {
  let t: TestDatabase
  let server: TestServer
  let worker: EngineWorker
  let seed: SeedResult
  let env: Record<string, string>
  const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { ...env, ...extra }, 60_000)
  const json = async (args: string[]) => {
    const r = await cli([...args, '--json'])
    assert.equal(r.code, 0, `${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    try {
      return JSON.parse(r.stdout) as unknown
    } catch {
      throw new Error(`${args.join(' ')} printed no JSON: ${r.stdout.slice(0, 500)}`)
    }
  }
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

  it('start → list → show (waiting) → signal by instance key → wait exits 0 with the result', async () => {
    const started = StartRunResponse.parse(await json(['runs', 'start', 'approval', '--input', '{"timeout":"1h"}', '--instance-key', 'cli-approval-1', '--request-key', 'req-1']))
    assert.equal(started.instance_key, 'cli-approval-1')
    // The same request key returns the same run.
    assert.equal(StartRunResponse.parse(await json(['runs', 'start', 'approval', '--input', '{"timeout":"1h"}', '--instance-key', 'cli-approval-1', '--request-key', 'req-1'])).run_id, started.run_id)

    let shown = RunSummary.parse(await json(['runs', 'show', '--instance-key', 'cli-approval-1']))
    for (let i = 0; i < 100 && shown.status !== 'WAITING'; i++) {
      await new Promise((r) => setTimeout(r, 200))
      shown = RunSummary.parse(await json(['runs', 'show', started.run_id]))
    }
    assert.equal(shown.status, 'WAITING')
    assert.equal(shown.run_id, started.run_id)

    const rawList = await json(['runs', 'list', '--status', 'waiting', '--definition', 'approval'])
    const list = RunList.parse(rawList)
    assert.ok(list.runs.some((r) => r.run_id === started.run_id))
    const piped = await cli(['runs', 'list', '--instance-key', 'cli-approval-1'])
    assert.equal(piped.code, 0)
    assert.doesNotMatch(piped.stdout, ANSI)
    assert.deepEqual(piped.stdout.trim().split('\t').slice(0, 2), [started.run_id, 'WAITING'])

    const sig = ControlResponse.parse(await json(['signal', '--instance-key', 'cli-approval-1', 'approve', '--payload', '{"ok":true}']))
    assert.equal(sig.accepted, true)
    const waited = await cli(['runs', 'wait', started.run_id, '--json'])
    assert.equal(waited.code, 0, waited.stderr)
    const result = RunResult.parse(JSON.parse(waited.stdout))
    assert.equal(result.status, 'COMPLETED')
    assert.equal(result.result, 'approved')

    const history = RunHistoryPage.parse(await json(['runs', 'history', started.run_id, '--limit', '2']))
    assert.equal(history.events.length, 2)
    assert.equal(history.has_more, true)
    const all = await cli(['runs', 'history', started.run_id, '--all', '-o', 'jsonl', '--limit', '2'])
    assert.equal(all.code, 0, all.stderr)
    const events = all.stdout.trim().split('\n').map((l) => HistoryEvent.parse(JSON.parse(l)))
    assert.deepEqual(events.map((e) => e.sequence_no), events.map((_, i) => i + 1))
    assert.equal(events.at(-1)!.event_type, 'workflow.completed')
  })

  it('runs wait exits 1 for a failed run and prints the failure', async () => {
    const started = StartRunResponse.parse(await json(['runs', 'start', 'child', '--input', '{"fail":true}']))
    const waited = await cli(['runs', 'wait', started.run_id, '--timeout', '30'])
    assert.equal(waited.code, 1, waited.stderr)
    assert.match(waited.stdout, /FAILED: child_refused: child says no/)
  })

  it('suspend, resume and terminate (top-level alias) a sleeping run', async () => {
    const started = StartRunResponse.parse(await json(['runs', 'start', 'sleeper', '--input', '{"ms":3600000}', '--instance-key', 'cli-sleeper']))
    let run = RunSummary.parse(await json(['runs', 'show', started.run_id]))
    for (let i = 0; i < 100 && run.status !== 'WAITING'; i++) {
      await new Promise((r) => setTimeout(r, 200))
      run = RunSummary.parse(await json(['runs', 'show', started.run_id]))
    }
    assert.equal(RunSummary.parse(await json(['runs', 'suspend', '--instance-key', 'cli-sleeper'])).status, 'SUSPENDED')
    assert.notEqual(RunSummary.parse(await json(['runs', 'resume', started.run_id])).status, 'SUSPENDED')
    const term = RunResult.parse(await json(['terminate', started.run_id, '--reason', 'test']))
    assert.equal(term.status, 'TERMINATED')
    const again = await cli(['runs', 'cancel', started.run_id])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^Error: /)
  })

  it('exit codes: 2 usage, 3 not found, 4 unreachable or bad key — one line, no stack', async () => {
    const usage = await cli(['runs', 'show'])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /Name a run/)
    const badJson = await cli(['runs', 'start', 'approval', '--input', '{nope'])
    assert.equal(badJson.code, 2)
    assert.match(badJson.stderr, /--input is not valid JSON/)
    const missing = await cli(['runs', 'show', '00000000-0000-4000-8000-000000000000'])
    assert.equal(missing.code, 3)
    const missingTrace = await cli(['trace', 'inspect', 'no-such-trace'])
    assert.equal(missingTrace.code, 3)
    const unreachable = await cli(['runs', 'list'], { CONTINUA_API_URL: 'http://127.0.0.1:9' })
    assert.equal(unreachable.code, 4)
    assert.match(unreachable.stderr, /Cannot reach the Continua server at http:\/\/127\.0\.0\.1:9/)
    const badKey = await cli(['traces', 'list'], { CONTINUA_API_KEY: 'ck_wrong' })
    assert.equal(badKey.code, 4)
    const noServer = await cli(['runs', 'list'], { CONTINUA_API_URL: undefined, CONTINUA_API_KEY: undefined, CONTINUA_HOME: tempHome() })
    assert.equal(noServer.code, 4)
    assert.match(noServer.stderr, /--api-url/)
    for (const r of [usage, missing, unreachable, badKey, noServer]) assert.doesNotMatch(r.stderr, /\n\s+at /)
  })

  it('flags beat the environment, and credentials.json is the last resort', async () => {
    const home = tempHome()
    const fs = await import('node:fs')
    fs.writeFileSync(`${home}/credentials.json`, JSON.stringify({ api_url: server.url, api_key: seed.project.api_key, project_id: seed.project.id, project_name: 'demo' }))
    const fromFile = await cli(['sessions', 'list', '--json'], { CONTINUA_API_URL: undefined, CONTINUA_API_KEY: undefined, CONTINUA_HOME: home })
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.ok(SessionList.parse(JSON.parse(fromFile.stdout)).sessions.some((s) => s.external_id === 'demo-session-trip'))
    const flagWins = await cli(['sessions', 'list', '--api-url', server.url, '--api-key', seed.project.api_key!, '--json'], { CONTINUA_API_URL: 'http://127.0.0.1:9' })
    assert.equal(flagWins.code, 0, flagWins.stderr)
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
})
