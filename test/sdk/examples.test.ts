import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { ROOT, freePort, runCli, startCli, tempHome, type LongRunning } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { runPython, waitFor } from './helpers.js'

// The SDK examples, run as a user would: agent loops traced into a live `continua serve`, and
// remote activity workers (TypeScript and Python) serving a workflow started with
// `continua runs start`.

const EXAMPLES = path.join(ROOT, 'sdks', 'typescript', 'examples')

function runTsx(file: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })))
  })
}

describe('SDK examples against a live server', () => {
  let t: TestDatabase
  let serve: LongRunning
  let engine: LongRunning
  let endpoint: string
  let key: string
  let projectId: string
  let cliEnv: Record<string, string>

  before(async () => {
    t = await createTestDatabase()
    const project = await createProject(t.db, 'sdk-examples')
    key = project.api_key
    projectId = project.id
    const port = await freePort()
    endpoint = `http://127.0.0.1:${port}`
    const env = { DATABASE_URL: t.url, CONTINUA_HOME: tempHome() }
    serve = startCli(['serve', '--port', String(port)], env)
    engine = startCli(['worker', '--workflows', path.join(EXAMPLES, 'workflows.ts'), '--concurrency', '2'], env)
    cliEnv = { CONTINUA_HOME: tempHome(), CONTINUA_API_URL: endpoint, CONTINUA_API_KEY: key }
    await serve.waitFor(/listening on/)
    await waitFor(
      'remote-greeting to be published',
      async () => {
        const res = await fetch(`${endpoint}/v1/engine/definitions`, { headers: { 'x-api-key': key } })
        const body = (await res.json()) as { definitions?: Array<{ definition_name: string; live: boolean }> }
        return body.definitions?.some((d) => d.definition_name === 'remote-greeting' && d.live)
      },
      60_000,
    )
  })
  after(async () => {
    await engine?.stop('SIGTERM')
    await serve?.stop('SIGTERM')
    await t?.drop()
  })

  const agentTrace = async (sessionLike: string) =>
    (
      await t.pool.query(
        `select t.id, t.status, t.output, (select count(*)::int from spans s where s.trace_id = t.id) as spans,
                (select count(*)::int from span_events e where e.trace_id = t.id and e.event_type = 'decision') as decisions
           from traces t join sessions se on se.id = t.session_id
          where t.project_id = $1 and t.name = 'research agent' and se.name = $2 order by t.created_at desc limit 1`,
        [projectId, sessionLike],
      )
    ).rows[0]

  it('the TypeScript and Python agent loops trace every turn, model call, tool call and decision', async () => {
    const env = { CONTINUA_ENDPOINT: endpoint, CONTINUA_API_KEY: key }
    const ts = await runTsx(path.join(EXAMPLES, 'agent-loop.ts'), ['What is 6 times 7?'], env)
    assert.equal(ts.code, 0, ts.stderr)
    const tsOut = JSON.parse(ts.stdout.trim())
    assert.equal(tsOut.turns, 3)
    assert.ok(tsOut.batchIds.length >= 1)
    const py = await runPython(['examples/agent_loop.py', 'What is 6 times 7?'], { ...env, PYTHONPATH: '.' })
    assert.equal(py.code, 0, py.stderr)
    const pyOut = JSON.parse(py.stdout.trim())
    assert.equal(pyOut.turns, 3)
    const stored = await agentTrace('Agent loop example')
    assert.equal(stored.status, 'completed')
    assert.equal(stored.spans, 3 + 3 + 2, 'three turns, three model calls, two tool calls')
    assert.equal(stored.decisions, 3)
    const total = await t.pool.query(`select count(*)::int as n from traces where project_id = $1 and name = 'research agent'`, [projectId])
    assert.equal(total.rows[0].n, 2, 'one trace from each SDK')
  })

  for (const sdk of ['python', 'typescript'] as const) {
    it(`the ${sdk} remote worker serves a workflow started with continua runs start, and stops on SIGINT`, async () => {
      const env = { ...process.env, CONTINUA_ENDPOINT: endpoint, CONTINUA_API_KEY: key, PYTHONPATH: path.join(ROOT, 'sdks', 'python'), PYTHONUNBUFFERED: '1' }
      const child =
        sdk === 'python'
          ? spawn('python3', [path.join(ROOT, 'sdks', 'python', 'examples', 'remote_worker.py')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn(process.execPath, ['--import', 'tsx', path.join(EXAMPLES, 'remote-worker.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()))
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      try {
        await waitFor('worker start', async () => /serving compose-greeting/.test(output), 30_000)
        const started = await runCli(['runs', 'start', 'remote-greeting', '--input', JSON.stringify({ name: `Ada-${sdk}` }), '-o', 'json'], cliEnv)
        assert.equal(started.code, 0, started.stderr)
        const runId = JSON.parse(started.stdout).run_id as string
        const waited = await runCli(['runs', 'wait', runId, '--timeout', '30', '-o', 'json'], cliEnv)
        assert.equal(waited.code, 0, `${waited.stdout}\n${waited.stderr}\n${output}`)
        assert.match(waited.stdout, new RegExp(`Hello, Ada-${sdk}!`))
      } finally {
        child.kill('SIGINT')
      }
      assert.equal(await exited, 0, output)
      assert.match(output, /stopped after 1 completed, 0 failed/)
    })
  }
})
