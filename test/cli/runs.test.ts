import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ControlResponse, RunHistoryPage, RunList, RunResult, RunSummary, StartRunResponse, HistoryEvent } from '../../src/contract/runs.js'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { cliRunner, startCli, tempHome } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import * as wf from '../engine/workflows.fixture.js'

// The run commands as real subprocesses against a real server with a real engine worker.

const ANSI = /\u001b\[/

describe('continua runs against a live server', () => {
  let t: TestDatabase
  let server: TestServer
  let worker: EngineWorker
  let apiKey: string
  let projectId: string
  let env: Record<string, string>
  const { cli, json } = cliRunner(() => env)

  before(async () => {
    t = await createTestDatabase()
    const project = await createProject(t.db, 'cli-runs')
    apiKey = project.api_key
    projectId = project.id
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, concurrency: 4, pollInterval: 300 })
    server = await startTestServer(t.db)
    env = { CONTINUA_API_URL: server.url, CONTINUA_API_KEY: apiKey, CONTINUA_HOME: tempHome() }
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

    const signalArgs = ['signal', '--instance-key', 'cli-approval-1', 'approve', '--payload', '{"ok":true}', '--request-key', 'approve-1']
    const sig = ControlResponse.parse(await json(signalArgs))
    assert.equal(sig.accepted, true)
    const waited = await cli(['runs', 'wait', started.run_id, '--json'])
    assert.equal(waited.code, 0, waited.stderr)
    // Repeating a keyed signal after the run ended prints the first answer and exits 0.
    assert.deepEqual(ControlResponse.parse(await json(signalArgs)), sig)
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
    const term = RunResult.parse(await json(['terminate', started.run_id, '--reason', 'stuck on a bad prompt']))
    assert.equal(term.status, 'TERMINATED')
    assert.match(JSON.stringify(term), /run terminated by operator: stuck on a bad prompt/, 'the reason is recorded with the failure')
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
    fs.writeFileSync(`${home}/credentials.json`, JSON.stringify({ api_url: server.url, api_key: apiKey, project_id: projectId, project_name: 'demo' }))
    const fromFile = await cli(['runs', 'list', '--json'], { CONTINUA_API_URL: undefined, CONTINUA_API_KEY: undefined, CONTINUA_HOME: home })
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.ok(RunList.parse(JSON.parse(fromFile.stdout)).runs.some((r) => r.instance_key === 'cli-approval-1'))
    const flagWins = await cli(['runs', 'list', '--api-url', server.url, '--api-key', apiKey, '--json'], { CONTINUA_API_URL: 'http://127.0.0.1:9' })
    assert.equal(flagWins.code, 0, flagWins.stderr)
    const wrongFlag = await cli(['runs', 'list', '--api-key', 'ck_nope'])
    assert.equal(wrongFlag.code, 4)
  })

  it('runs list --watch keeps printing snapshots until stopped; --since narrows by age', async () => {
    const watch = startCli(['runs', 'list', '--watch', '--interval', '1', '--instance-key', 'cli-approval-1'], env)
    await watch.waitFor(/cli-approval-1[\s\S]*cli-approval-1/, 30_000)
    assert.doesNotMatch(watch.output().stdout, ANSI)
    await watch.stop()
    const recent = RunList.parse(await json(['runs', 'list', '--since', '10m']))
    assert.ok(recent.runs.length >= 1)
    const future = RunList.parse(await json(['runs', 'list', '--since', new Date(Date.now() + 60_000).toISOString()]))
    assert.deepEqual(future.runs, [])
    const bad = await cli(['runs', 'list', '--since', 'yesterday'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--since must be a duration/)
  })

  it('runs history --follow streams events as jsonl until the run ends', async () => {
    const started = StartRunResponse.parse(await json(['runs', 'start', 'approval', '--input', '{"timeout":"1h"}', '--instance-key', 'cli-history-follow']))
    const follow = startCli(['runs', 'history', '--instance-key', 'cli-history-follow', '--follow', '-o', 'jsonl'], env)
    await follow.waitFor(/"event_type":"timer.scheduled"/, 30_000)
    assert.equal((await cli(['signal', started.run_id, 'approve', '--payload', '{"ok":false}'])).code, 0)
    await follow.waitFor(/"event_type":"workflow.completed"/, 30_000)
    const code = await new Promise<number | null>((resolve) => {
      if (follow.child.exitCode !== null) return resolve(follow.child.exitCode)
      const timer = setTimeout(() => resolve(-1), 15_000)
      follow.child.on('exit', (c) => (clearTimeout(timer), resolve(c)))
    })
    await follow.stop()
    assert.equal(code, 0)
    const seqs = follow.output().stdout.trim().split('\n').map((l) => HistoryEvent.parse(JSON.parse(l)).sequence_no)
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1))
  })
})
