import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { ROOT, freePort, startCli, tempHome, type LongRunning } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { runPython } from './helpers.js'

// Runs the Python SDK's unittest suite against a live `continua serve` and a `continua worker`
// that runs the SDK workflow fixtures, and requires it to pass.

const FIXTURE = path.join(ROOT, 'test', 'sdk', 'workflows.fixture.ts')

describe('Python SDK against a live continua serve', () => {
  let t: TestDatabase
  let serve: LongRunning
  let worker: LongRunning
  let endpoint: string
  let key: string

  before(async () => {
    t = await createTestDatabase()
    key = (await createProject(t.db, 'sdk-python')).api_key
    const port = await freePort()
    endpoint = `http://127.0.0.1:${port}`
    const env = { DATABASE_URL: t.url, CONTINUA_HOME: tempHome() }
    serve = startCli(['serve', '--port', String(port)], env)
    worker = startCli(['worker', '--workflows', FIXTURE, '--concurrency', '2'], env)
    await serve.waitFor(/listening on/)
    // The workflow definitions are published once the engine is running.
    const deadline = Date.now() + 60_000
    for (;;) {
      const res = await fetch(`${endpoint}/v1/engine/definitions`, { headers: { 'x-api-key': key } })
      const body = (await res.json()) as { definitions?: Array<{ definition_name: string; live: boolean }> }
      if (body.definitions?.some((d) => d.definition_name === 'sdk-remote-greeting' && d.live)) break
      if (Date.now() > deadline) throw new Error(`workflow worker never published its definitions: ${JSON.stringify(worker.output())}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  })
  after(async () => {
    await worker?.stop('SIGTERM')
    await serve?.stop('SIGTERM')
    await t?.drop()
  })

  it('python3 -m unittest discover passes (tracing, retries, engine control, activity worker)', async (ctx) => {
    const res = await runPython(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], { CONTINUA_ENDPOINT: endpoint, CONTINUA_API_KEY: key })
    const output = `${res.stdout}\n${res.stderr}`
    for (const line of res.stderr.split('\n').filter((l) => / \.\.\. |^Ran |^OK|^FAILED/.test(l))) ctx.diagnostic(line)
    assert.equal(res.code, 0, `unittest failed:\n${output}`)
    assert.match(res.stderr, /\nOK\b/, output)
    assert.doesNotMatch(res.stderr, /skipped/, `no test may be skipped:\n${output}`)
    const ran = Number(/Ran (\d+) tests?/.exec(res.stderr)?.[1])
    assert.ok(ran >= 15, `ran ${ran} tests`)
  })
})
