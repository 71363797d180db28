import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { freePort, runCli, startCli } from '../helpers/cli.js'

// The acceptance path of `npm start`: no DATABASE_URL, so `continua serve` runs its own embedded
// Postgres under CONTINUA_HOME. CONTINUA_HOME sits inside a mode-700 directory, like ~/.continua
// under /root, which the postgres OS user cannot enter.

const isRoot = process.getuid?.() === 0

function clusterDir(home: string): string {
  return JSON.parse(fs.readFileSync(path.join(home, 'pg.json'), 'utf8')).dataDir as string
}

/** Postmasters of this cluster. A backend just forked still shows its parent's command line for a moment: skip those. */
function postgresPids(dataDir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
  const matching = out
    .split('\n')
    .filter((line) => line.includes(`postgres -D ${dataDir}`))
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number])
  const pids = new Set(matching.map(([pid]) => pid))
  return matching.filter(([, ppid]) => !pids.has(ppid)).map(([pid]) => pid)
}

async function waitForNoPostgres(dataDir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (postgresPids(dataDir).length > 0) {
    if (Date.now() > deadline) throw new Error(`postgres still running for ${dataDir}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function health(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/api/health`)).status
}

describe('continua serve on the embedded Postgres', () => {
  let outer: string
  let home: string
  let port: number

  before(async () => {
    outer = fs.mkdtempSync(path.join(os.tmpdir(), 'continua-private-'))
    fs.chmodSync(outer, 0o700)
    home = path.join(outer, '.continua')
    port = await freePort()
  })

  after(async () => {
    try {
      const dir = clusterDir(home)
      for (const pid of postgresPids(dir)) process.kill(pid, 'SIGKILL')
      fs.rmSync(path.dirname(dir), { recursive: true, force: true })
    } catch {
      // nothing was created
    }
    fs.rmSync(outer, { recursive: true, force: true })
  })

  const env = () => ({ CONTINUA_HOME: home, PORT: String(port), LOG_LEVEL: 'info' })

  it('initialises on first start, serves health, and leaves no postgres behind after Ctrl-C', async () => {
    const server = startCli(['serve'], env())
    try {
      await server.waitFor(/listening on/, 60_000)
      assert.equal(await health(port), 200)
      assert.match(server.output().stderr, /initialising embedded postgres/)
      assert.match(server.output().stdout, /API key \(shown once\): ck_/)
      const dataDir = clusterDir(home)
      if (isRoot) assert.ok(dataDir.startsWith('/var/lib/continua/clusters/'), `cluster kept where postgres can reach it: ${dataDir}`)
      assert.equal(postgresPids(dataDir).length, 1)
      assert.equal(fs.statSync(path.join(home, 'credentials.json')).mode & 0o777, 0o600)
    } finally {
      assert.equal(await server.stop('SIGINT'), 0)
    }
    await waitForNoPostgres(clusterDir(home))
  })

  it('reuses the data on the next start (no new initdb, no new key)', async () => {
    const server = startCli(['serve'], env())
    try {
      await server.waitFor(/listening on/, 30_000)
      const { stdout, stderr } = server.output()
      assert.doesNotMatch(stderr, /initialising/)
      assert.doesNotMatch(stdout, /API key/)
      const creds = JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8'))
      const res = await fetch(`http://127.0.0.1:${port}/api/projects`, { headers: { 'x-api-key': creds.api_key } })
      assert.equal(res.status, 200, 'the key saved on first start still works')
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0)
    }
    await waitForNoPostgres(clusterDir(home))
  })

  it('lets a second continua process join the running cluster without stopping it on exit', async () => {
    const server = startCli(['serve'], env())
    try {
      await server.waitFor(/listening on/, 30_000)
      const list = await runCli(['projects', 'list', '--json'], { CONTINUA_HOME: home })
      assert.equal(list.code, 0, list.stderr)
      assert.deepEqual(JSON.parse(list.stdout).projects.map((p: { name: string }) => p.name), ['default'])
      assert.equal(await health(port), 200, 'server still healthy after the joiner left')
      assert.equal(postgresPids(clusterDir(home)).length, 1)
    } finally {
      assert.equal(await server.stop('SIGINT'), 0)
    }
    await waitForNoPostgres(clusterDir(home))
  })

  it('recovers after kill -9 of the server, and after kill -9 of postgres too (stale pid file)', async () => {
    const first = startCli(['serve'], env())
    await first.waitFor(/listening on/, 30_000)
    first.child.kill('SIGKILL')
    await first.stop()
    const dataDir = clusterDir(home)
    assert.equal(postgresPids(dataDir).length, 1, 'postgres outlives a killed server')

    const second = startCli(['serve'], env())
    try {
      await second.waitFor(/listening on/, 30_000)
      assert.equal(await health(port), 200)
      assert.doesNotMatch(second.output().stderr, /embedded postgres started/, 'joined the orphaned cluster')
      second.child.kill('SIGKILL')
      await second.stop()
      for (const pid of postgresPids(dataDir)) process.kill(pid, 'SIGKILL')
      await waitForNoPostgres(dataDir)
      assert.ok(fs.existsSync(path.join(dataDir, 'postmaster.pid')), 'a stale pid file is left behind')
    } finally {
      await second.stop()
    }

    const third = startCli(['serve'], env())
    try {
      await third.waitFor(/listening on/, 60_000)
      assert.equal(await health(port), 200)
      assert.match(third.output().stderr, /stale postmaster\.pid/)
    } finally {
      assert.equal(await third.stop('SIGINT'), 0)
    }
    await waitForNoPostgres(dataDir)
  })

  it('runs migrate --status, --down 1 and migrate against the embedded cluster', async () => {
    const e = { CONTINUA_HOME: home }
    let res = await runCli(['migrate', '--status', '--json'], e)
    assert.equal(res.code, 0, res.stderr)
    const total = JSON.parse(res.stdout).migrations.length
    assert.ok(JSON.parse(res.stdout).migrations.every((m: { applied: boolean }) => m.applied))
    res = await runCli(['migrate', '--down', '1'], e)
    assert.equal(res.code, 0, res.stderr)
    res = await runCli(['migrate', '--status', '--json'], e)
    assert.equal(JSON.parse(res.stdout).migrations.filter((m: { applied: boolean }) => m.applied).length, total - 1)
    res = await runCli(['migrate'], e)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Applied 1 migration/)
    await waitForNoPostgres(clusterDir(home))
  })
})
