import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Registry } from '../../src/engine/definitions.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { seedDemo, type SeedResult } from '../../src/seed/index.js'
import { ROOT, tempHome } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api, startTestServer, type TestServer } from '../helpers/server.js'
import { waitFor } from '../engine/helpers.js'
import * as wf from '../engine/workflows.fixture.js'

// `continua tui` in a real terminal (tmux, on a private socket) against a seeded server with a
// real engine worker: keys go in with send-keys, assertions read capture-pane.

const SOCKET = `continua-tui-test-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' })
const screen = () => tmux('capture-pane', '-p', '-t', 'tui')
const keys = (...k: string[]) => tmux('send-keys', '-t', 'tui', ...k)
const type = (text: string) => tmux('send-keys', '-t', 'tui', '-l', text)

async function until(what: string, test: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    last = screen()
    if (test(last)) return last
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${last}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const HAVE_TMUX = (() => {
  try {
    execFileSync('tmux', ['-V'])
    return true
  } catch {
    return false
  }
})()

describe('continua tui under tmux', { skip: HAVE_TMUX ? false : 'tmux is not installed (.ci/run installs it)' }, () => {
  let t: TestDatabase
  let server: TestServer
  let worker: EngineWorker
  let seed: SeedResult
  let runId: string

  before(async () => {
    t = await createTestDatabase()
    seed = await seedDemo(t.db)
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, concurrency: 2, pollInterval: 300 })
    // With a pool the server LISTENs, so the TUI's lists follow the change stream (no polling).
    server = await startTestServer(t.db, { pool: t.pool })
    const started = await api(server.url, 'POST', '/v1/engine/runs', {
      headers: { 'x-api-key': seed.project.api_key! },
      body: { instance_key: 'tui-approval', definition_name: 'approval', definition_version: '1', request_key: 'tui-1', input: { timeout: '1h' } },
    })
    assert.equal(started.status, 200)
    runId = started.body.run_id
    await waitFor('run waiting', async () => (await api(server.url, 'GET', `/v1/engine/runs/${runId}`, { headers: { 'x-api-key': seed.project.api_key! } })).body.status === 'WAITING')
    const env = `CONTINUA_API_URL=${server.url} CONTINUA_API_KEY=${seed.project.api_key} CONTINUA_HOME=${tempHome()} LOG_LEVEL=warn`
    const cmd = `env ${env} ${process.execPath} ${path.join(ROOT, 'bin', 'run.js')} tui --poll-interval 60000; sleep 30`
    tmux('new-session', '-d', '-s', 'tui', '-x', '160', '-y', '40', cmd)
  })
  after(async () => {
    try {
      tmux('kill-server')
    } catch {
      // already gone
    }
    await server?.close()
    await worker?.stop()
    await t?.drop()
  })

  it('lists runs, filters and opens a trace, folds a span, shows help, compares, signals a waiting run, quits', async () => {
    await until('the runs tab with the waiting run', (s) => s.includes('1 Runs (1)') && s.includes('WAITING') && s.includes('tui-approval'))
    await until('the change stream live', (s) => s.includes('● live'))

    keys('2')
    await until('the traces tab', (s) => s.includes('plan weekend trip') && s.includes('book hotel'))
    keys('/')
    type('weekend trip')
    await until('the filter prompt', (s) => s.includes('Filter: weekend trip'))
    keys('Enter')
    await until('filtered traces', (s) => s.includes('filter "weekend trip"') && s.includes('plan weekend trip') && !s.includes('research'))
    keys('Escape') // clears the filter
    await until('the filter cleared', (s) => s.includes('2 Traces (7)') && !s.includes('filter "'))
    keys('/')
    type('plan weekend')
    keys('Enter')
    await until('one trace left', (s) => s.includes('2 Traces (1)'))

    keys('Enter')
    let s = await until('the trace view', (x) => x.includes('travel_agent') && x.includes('plan_steps') && x.includes('search_flights'))
    assert.match(s, /\[!\] tool search_flights/)
    assert.match(s, /█/)
    keys('Enter') // fold the root
    s = await until('the root folded', (x) => x.includes('▶(') && !x.includes('llm plan_steps'))
    keys('Enter')
    await until('the root unfolded', (x) => x.includes('llm plan_steps'))
    keys('e')
    s = await until('the first error selected', (x) => /error: upstream timeout after 10s/.test(x))

    keys('?')
    s = await until('the help overlay', (x) => x.includes('Keys (Esc closes)'))
    assert.match(s, /Terminate the run/)
    assert.match(s, /Mark a trace; on a second trace, compare the two/)
    keys('Escape')
    await until('help closed', (x) => !x.includes('Keys (Esc closes)'))
    keys('Escape')
    await until('back on the list', (x) => x.includes('2 Traces'))

    // Compare: mark the baseline, move to the candidate, press w again.
    keys('Escape') // clear the filter
    keys('/')
    type('research')
    keys('Enter')
    await until('the research pair', (x) => x.includes('2 Traces (2)'))
    keys('w')
    await until('marked', (x) => x.includes('marked: '))
    keys('j')
    keys('w')
    s = await until('the compare view', (x) => x.includes('Compare ') && /candidate_only|baseline_only|changed/.test(x))
    keys('Escape')
    await until('the compare view closed', (x) => !x.includes('Compare '))

    keys('1')
    await until('the runs tab', (x) => x.includes('tui-approval') && x.includes('WAITING') && x.includes('TOKENS'))
    keys('Enter') // the run's trace, with the run's state in its header; s/c/t act on the run
    await until('the run opened', (x) => x.includes('run WAITING on signal approve'))
    keys('s')
    await until('the signal name prompt', (x) => x.includes('Signal name:'))
    type('approve')
    keys('Enter')
    await until('the payload prompt', (x) => x.includes('Payload (JSON'))
    type('{"ok":true}')
    keys('Enter')
    await until('the confirmation', (x) => x.includes('Send signal approve {"ok":true} to run') && x.includes('y/N'))
    keys('y')
    await until('the signal sent', (x) => x.includes('Signal approve sent'))
    await waitFor('run completed', async () => (await api(server.url, 'GET', `/v1/engine/runs/${runId}`, { headers: { 'x-api-key': seed.project.api_key! } })).body.status === 'COMPLETED')
    await until('the run shown completed', (x) => x.includes('run COMPLETED'))
    keys('Escape')
    await until('the runs list', (x) => x.includes('COMPLETED') && x.includes('tui-approval'))

    // Jump straight to a trace by its external id, then show only its failed spans.
    keys(':')
    type('demo-trip-book')
    keys('Enter')
    await until('the jumped-to trace', (x) => x.includes('book hotel') && x.includes('tool charge_card') && x.includes('llm prepare_booking'))
    keys('f')
    await until('failed spans only', (x) => x.includes('tool charge_card') && !x.includes('llm prepare_booking'))
    keys('Escape')
    await until('back on the runs tab', (x) => x.includes('tui-approval'))

    keys('q')
    await until('the alternate screen left', (x) => !x.includes('1 Runs'))
  })
})
