import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { runCli } from '../helpers/cli.js'
import { api, startTestServer } from '../helpers/server.js'

describe('continua migrate (external database)', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase({ empty: true })
  })
  after(async () => {
    await t.drop()
  })

  it('lists pending, applies, reverts one and re-applies, with --json for scripts', async () => {
    const env = { DATABASE_URL: t.url }
    let res = await runCli(['migrate', '--status', '--json'], env)
    assert.equal(res.code, 0, res.stderr)
    let out = JSON.parse(res.stdout)
    assert.equal(out.action, 'status')
    assert.ok(out.migrations.length >= 2)
    assert.ok(out.migrations.every((m: { applied: boolean }) => !m.applied))

    res = await runCli(['migrate'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Applied \d+ migration/)
    const { rows } = await t.pool.query(`select count(*)::int as n from information_schema.schemata where schema_name = 'graphile_worker'`)
    assert.equal(rows[0].n, 1, 'graphile-worker schema installed')

    res = await runCli(['migrate', '--down', '1', '--json'], env)
    assert.equal(res.code, 0, res.stderr)
    out = JSON.parse(res.stdout)
    assert.equal(out.changed.length, 1)
    assert.equal(out.migrations.filter((m: { applied: boolean }) => !m.applied).length, 1)

    res = await runCli(['migrate', '--status'], env)
    assert.match(res.stdout, /1 pending\./)

    res = await runCli(['migrate'], env)
    assert.equal(res.code, 0)
    assert.match(res.stdout, /Applied 1 migration/)
    res = await runCli(['migrate'], env)
    assert.match(res.stdout, /up to date/)
  })

  it('refuses --down together with --status', async () => {
    const res = await runCli(['migrate', '--down', '1', '--status'], { DATABASE_URL: t.url })
    assert.equal(res.code, 2)
  })
})

describe('continua projects (direct database access)', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase()
  })
  after(async () => {
    await t.drop()
  })

  it('creates, lists, rotates and deletes projects; rotated keys stop working over HTTP', async () => {
    const env = { DATABASE_URL: t.url }
    let res = await runCli(['projects', 'create', 'agent-one', '--json'], env)
    assert.equal(res.code, 0, res.stderr)
    const created = JSON.parse(res.stdout)
    assert.equal(created.name, 'agent-one')
    assert.match(created.api_key, /^ck_[a-z2-7]{52}$/)

    res = await runCli(['projects', 'create', 'agent-two'], env)
    assert.equal(res.code, 0)
    assert.match(res.stdout, /API key \(shown once, store it now\): ck_/)

    res = await runCli(['projects', 'list', '--json'], env)
    assert.deepEqual(
      JSON.parse(res.stdout).projects.map((p: { name: string }) => p.name).sort(),
      ['agent-one', 'agent-two'],
    )

    const server = await startTestServer(t.db, { adminToken: 'z'.repeat(24) })
    try {
      assert.equal((await api(server.url, 'GET', '/api/projects', { headers: { 'x-api-key': created.api_key } })).status, 200)
      res = await runCli(['projects', 'rotate-key', 'agent-one', '--json'], env)
      assert.equal(res.code, 0, res.stderr)
      const rotated = JSON.parse(res.stdout)
      assert.notEqual(rotated.api_key, created.api_key)
      assert.equal((await api(server.url, 'GET', '/api/projects', { headers: { 'x-api-key': created.api_key } })).status, 401)
      assert.equal((await api(server.url, 'GET', '/api/projects', { headers: { 'x-api-key': rotated.api_key } })).status, 200)
    } finally {
      await server.close()
    }

    res = await runCli(['projects', 'delete', created.id], env)
    assert.equal(res.code, 0, res.stderr)
    res = await runCli(['projects', 'delete', 'agent-one'], env)
    assert.equal(res.code, 3, 'not found exits 3')
    assert.match(res.stderr, /^Error: No project with id or name "agent-one"/)
  })

  it('sets trace retention with projects update', async () => {
    const env = { DATABASE_URL: t.url }
    let res = await runCli(['projects', 'create', 'kept'], env)
    assert.equal(res.code, 0, res.stderr)
    res = await runCli(['projects', 'update', 'kept', '--retention-days', '14', '--json'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.equal(JSON.parse(res.stdout).retention_days, 14)
    res = await runCli(['projects', 'update', 'kept', '--retention-days', 'off'], env)
    assert.match(res.stdout, /traces kept forever/)
    res = await runCli(['projects', 'update', 'kept', '--retention-days', 'soon'], env)
    assert.equal(res.code, 2)
    assert.match(res.stderr, /retention_days/)
  })

  it('rejects bad names and protects the default project unless forced', async () => {
    const env = { DATABASE_URL: t.url }
    let res = await runCli(['projects', 'create', ''], env)
    assert.equal(res.code, 2)
    assert.match(res.stderr, /name/)
    res = await runCli(['projects', 'create', 'x'.repeat(101)], env)
    assert.equal(res.code, 2)
    await t.pool.query(`insert into projects (name, is_default) values ('default', true)`)
    res = await runCli(['projects', 'delete', 'default'], env)
    assert.equal(res.code, 1)
    assert.match(res.stderr, /default project/)
    res = await runCli(['projects', 'delete', 'default', '--force'], env)
    assert.equal(res.code, 0, res.stderr)
  })
})
