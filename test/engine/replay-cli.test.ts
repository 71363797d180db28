import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Registry } from '../../src/engine/definitions.js'
import { startRun } from '../../src/engine/control.js'
import { startEngineWorker } from '../../src/engine/runtime.js'
import { silentLogger } from '../../src/logger.js'
import { createProject } from '../../src/projects.js'
import { ROOT, runCli } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { waitForStatus } from './helpers.js'
import * as wf from './workflows.fixture.js'

// `continua workflows replay`: the pre-deploy determinism check, through the real CLI.

const FIXTURE = path.join(ROOT, 'test', 'engine', 'workflows.fixture.ts')

describe('continua workflows replay', () => {
  let t: TestDatabase
  let dir: string
  let completedRun: string

  before(async () => {
    t = await createTestDatabase()
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continua-replay-'))
    const projectId = (await createProject(t.db, 'replay')).id
    const worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: silentLogger, pollInterval: 300 })
    try {
      completedRun = (await startRun(t.pool, { projectId, instanceKey: 'r1', definitionName: 'three-steps', definitionVersion: '1', input: { name: 'z' } })).run_id
      const open = await startRun(t.pool, { projectId, instanceKey: 'r2', definitionName: 'approval', definitionVersion: '1', input: { timeout: '1h' } })
      await waitForStatus(t.pool, completedRun, 'completed')
      await waitForStatus(t.pool, open.run_id, 'waiting')
    } finally {
      await worker.stop()
    }
  })
  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true })
    await t.drop()
  })

  it('reports every recorded run as ok against the code that produced it', async () => {
    const res = await runCli(['workflows', 'replay', '--workflows', FIXTURE], { DATABASE_URL: t.url })
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /ok +\S+ +three-steps@1 +completed/)
    assert.match(res.stdout, /ok +\S+ +approval@1 +waiting/)
    assert.match(res.stdout, /2 replayed, 0 diverged/)
  })

  it('reports the runs a changed workflow would diverge on and exits 1', async () => {
    const changed = path.join(dir, 'changed.ts')
    fs.writeFileSync(
      changed,
      `import { defineActivity, defineWorkflow } from ${JSON.stringify(path.join(ROOT, 'src/engine/definitions.ts'))}
export const greet = defineActivity('greet', async (input: { name: string }) => 'hi ' + input.name)
export const three = defineWorkflow({ name: 'three-steps', version: '1' }, async (ctx, input: { name: string }) => {
  const a = await ctx.activity(greet, { name: input.name.toUpperCase() })
  return [a]
})
`,
    )
    const res = await runCli(['workflows', 'replay', '--workflows', changed, '--json'], { DATABASE_URL: t.url })
    assert.equal(res.code, 1, res.stderr)
    const body = JSON.parse(res.stdout)
    assert.equal(body.diverged, 1)
    assert.equal(body.runs[0].run_id, completedRun)
    assert.match(body.runs[0].detail, /input differs/)
  })

  it('--open limits to unfinished runs; a malformed --run is a usage error', async () => {
    const open = await runCli(['workflows', 'replay', '--workflows', FIXTURE, '--open', '--json'], { DATABASE_URL: t.url })
    assert.equal(open.code, 0, open.stderr)
    assert.deepEqual(JSON.parse(open.stdout).runs.map((r: { status: string }) => r.status), ['waiting'])
    const bad = await runCli(['workflows', 'replay', '--workflows', FIXTURE, '--run', 'nope'], { DATABASE_URL: t.url })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--run must be a run id/)
    const missing = await runCli(['workflows', 'replay', '--workflows', path.join(dir, 'absent.js')], { DATABASE_URL: t.url })
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /does not exist/)
  })
})
