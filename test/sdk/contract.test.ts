import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProject } from '../../src/projects.js'
import { Continua } from '../../sdks/typescript/src/index.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { normalisedRows, runPython } from './helpers.js'
import { runScenario } from './scenario.js'

// The SDK contract: one scripted agent run, once through each SDK into its own project, must
// leave the same sessions, traces, spans and events on the server.

describe('SDK contract: TypeScript and Python store the same rows', () => {
  let t: TestDatabase
  let server: TestServer

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db)
  })
  after(async () => {
    await server?.close()
    await t?.drop()
  })

  it('the scripted scenario produces identical normalised rows', async () => {
    const ts = await createProject(t.db, 'contract-ts')
    const py = await createProject(t.db, 'contract-py')

    const client = new Continua({ apiKey: ts.api_key, endpoint: server.url, ingestMode: 'sync', flushInterval: 0, flushOnExit: false })
    await runScenario(client)
    const tsIds = await client.shutdown()
    assert.ok(tsIds.length >= 1)

    const res = await runPython(['-m', 'tests.scenario'], { CONTINUA_ENDPOINT: server.url, CONTINUA_API_KEY: py.api_key }, 60_000)
    assert.equal(res.code, 0, `python scenario failed:\n${res.stdout}\n${res.stderr}`)
    assert.match(res.stdout.trim(), /^[0-9a-f-]{36}( [0-9a-f-]{36})*$/, 'the Python client printed its batch ids')

    const fromTs = await normalisedRows(t.pool, ts.id)
    const fromPy = await normalisedRows(t.pool, py.id)
    assert.equal(fromTs.traces.length, 2)
    assert.equal(fromTs.spans.length, 6)
    assert.equal(fromTs.events.length, 15)
    assert.deepEqual(fromPy.sessions, fromTs.sessions)
    assert.deepEqual(fromPy.traces, fromTs.traces)
    assert.deepEqual(fromPy.spans, fromTs.spans)
    assert.deepEqual(fromPy.events, fromTs.events)
  })
})
