// Shared set-up for the benchmark, load and scale scripts: a fresh migrated database (DATABASE_URL's
// cluster, else an embedded Postgres), and the built CLI as subprocesses. Not used by tests.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { startEmbeddedPostgres } from '../src/db/embedded.js'
import { migrateUp } from '../src/db/migrate.js'
import type { DB } from '../src/db/schema.js'
import { installWorkerSchema } from '../src/jobs/worker.js'
import { createLogger } from '../src/logger.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const logger = createLogger({ level: 'warn', format: 'pretty' })

export interface Harness {
  url: string
  /** The cluster's admin connection, for scripts that need databases of their own beside this one. */
  adminUrl: string
  admin: pg.Client
  pool: pg.Pool
  db: Kysely<DB>
  close(): Promise<void>
}

export async function freshDatabase(name: string, options: { poolSize?: number } = {}): Promise<Harness> {
  let adminUrl = process.env.DATABASE_URL
  const embedded = adminUrl ? undefined : await startEmbeddedPostgres({ home: path.join(os.tmpdir(), `continua-${name}-home`), logger })
  adminUrl ??= embedded!.url
  const dbName = `continua_${name}_${process.pid}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${dbName}`)
  await admin.query(`create database ${dbName}`)
  const url = new URL(adminUrl)
  url.pathname = '/' + dbName
  const pool = new pg.Pool({ connectionString: url.toString(), max: options.poolSize ?? 4 })
  pool.on('error', () => {})
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  await migrateUp(pool, logger)
  await installWorkerSchema(pool, logger)
  return {
    url: url.toString(),
    adminUrl,
    admin,
    pool,
    db,
    async close() {
      await db.destroy().catch(() => {})
      await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {})
      await admin.end()
      await embedded?.release()
    },
  }
}

export interface Child {
  proc: ChildProcess
  output: () => string
  stop(): Promise<void>
}

/** Runs `continua <args>` (the built CLI) and resolves once its output matches `ready`. */
export async function startContinua(args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), ...args], {
    env: { ...process.env, CONTINUA_HOME: '', LOG_LEVEL: 'error', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<void>((r) => proc.on('close', () => r()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out starting continua ${args.join(' ')}: ${out}`)), 60_000)
    const onData = (c: Buffer) => {
      out += c.toString()
      if (ready.test(out)) (clearTimeout(timer), resolve())
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', onData)
    void exited.then(() => reject(new Error(`continua ${args.join(' ')} exited: ${out}`)))
  })
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(t)
    },
  }
}

export function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return kb ? Number(kb[1]) * 1024 : 0
}

export { freePort } from '../src/db/embedded.js'

export function machine(): string {
  return `${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length} (nproc ${os.availableParallelism()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${new Date().toISOString()}`
}
