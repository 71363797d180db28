import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { freePort, runCli, startCli, tempHome } from '../helpers/cli.js'

// `continua serve` and `continua worker` as real subprocesses against an external Postgres.

describe('continua serve on an external database', () => {
  let migrated: TestDatabase
  let empty: TestDatabase
  before(async () => {
    migrated = await createTestDatabase()
    empty = await createTestDatabase({ empty: true })
  })
  after(async () => {
    await migrated.drop()
    await empty.drop()
  })

  it('refuses to start on a database with pending migrations, naming the fix', async () => {
    const home = tempHome()
    for (const cmd of [['serve', '--port', String(await freePort())], ['worker']]) {
      const res = await runCli(cmd, { DATABASE_URL: empty.url, CONTINUA_HOME: home })
      assert.notEqual(res.code, 0, cmd[0])
      assert.match(res.stderr, /pending migration.*run `continua migrate` first/, cmd[0])
      assert.equal(res.stderr.trim().split('\n').length, 1, `one line for ${cmd[0]}: ${res.stderr}`)
      assert.ok(!/\bat .*\(.*:\d+:\d+\)/.test(res.stderr), 'no stack trace')
    }
  })

  it('serves health, bootstraps the default project once, and shuts down gracefully on SIGTERM', async () => {
    const home = tempHome()
    const port = await freePort()
    const server = startCli(['serve', '--port', String(port)], { DATABASE_URL: migrated.url, CONTINUA_HOME: home })
    try {
      await server.waitFor(/listening on/)
      const health = await fetch(`http://127.0.0.1:${port}/api/health`)
      assert.equal(health.status, 200)
      assert.deepEqual(await health.json(), { status: 'ok', version: '0.1.0', database: 'ok' })

      const { stdout } = server.output()
      const key = /API key \(shown once\): (ck_[a-z2-7]{52})/.exec(stdout)?.[1]
      assert.ok(key, `key printed once: ${stdout}`)
      const credsFile = path.join(home, 'credentials.json')
      assert.equal(fs.statSync(credsFile).mode & 0o777, 0o600)
      const creds = JSON.parse(fs.readFileSync(credsFile, 'utf8'))
      assert.equal(creds.api_key, key)
      assert.equal(creds.api_url, `http://localhost:${port}`)

      const res = await fetch(`http://127.0.0.1:${port}/api/projects`, { headers: { 'x-api-key': key } })
      assert.equal(res.status, 200)
      const body = (await res.json()) as { projects: Array<{ name: string }> }
      assert.deepEqual(body.projects.map((p) => p.name), ['default'])
    } finally {
      const code = await server.stop('SIGTERM')
      assert.equal(code, 0, `exit ${code}; stderr: ${server.output().stderr.slice(-3000)}`)
    }

    // A second start on the same database creates nothing new and prints no key.
    const again = startCli(['serve', '--port', String(port), '--no-worker'], { DATABASE_URL: migrated.url, CONTINUA_HOME: tempHome() })
    try {
      await again.waitFor(/listening on/)
      assert.doesNotMatch(again.output().stdout, /API key/)
    } finally {
      assert.equal(await again.stop('SIGINT'), 0)
    }
  })

  it('finishes an in-flight request before exiting on SIGTERM', async () => {
    const port = await freePort()
    const server = startCli(['serve', '--port', String(port), '--no-worker'], { DATABASE_URL: migrated.url, CONTINUA_HOME: tempHome() })
    await server.waitFor(/listening on/)
    // Open a keep-alive connection with a slow request body, then ask the server to stop.
    const net = await import('node:net')
    const socket = net.connect(port, '127.0.0.1')
    await new Promise<void>((r) => socket.once('connect', () => r()))
    const body = JSON.stringify({ name: 'in-flight' })
    socket.write(`POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
    socket.write(body.slice(0, 5))
    const stopping = server.stop('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    let reply = ''
    socket.on('data', (c) => (reply += c.toString()))
    socket.write(body.slice(5))
    assert.equal(await stopping, 0)
    await new Promise((r) => setTimeout(r, 50))
    assert.match(reply, /^HTTP\/1.1 201/, `in-flight request answered: ${reply}`)
    socket.destroy()
  })

  it('rejects a bad setting with one readable line and a usage exit code', async () => {
    for (const [env, pattern] of [
      [{ PORT: 'abc' }, /^Error: Invalid setting PORT: expected a port number, got "abc"$/],
      [{ DATABASE_URL: 'nonsense' }, /^Error: Invalid setting DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ connection URL/],
      [{ LOG_LEVEL: 'chatty' }, /^Error: Invalid setting LOG_LEVEL/],
    ] as const) {
      const res = await runCli(['serve'], env)
      assert.equal(res.code, 2, JSON.stringify(env))
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
      assert.match(res.stderr.trim(), pattern)
    }
    const flag = await runCli(['serve', '--port', 'x'])
    assert.equal(flag.code, 2)
  })

  it('reports an unreachable database in one line', async () => {
    const port = await freePort()
    const res = await runCli(['migrate', '--status'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x` })
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /^Error: .*(refused|connect)/i)
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
  })
})
