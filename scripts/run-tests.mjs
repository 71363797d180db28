#!/usr/bin/env node
// Runs the test suite against a real Postgres: DATABASE_URL when set, else an embedded cluster
// started for the run. Builds a migrated template database once; each test file clones it.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// One template per run, so concurrent runs sharing a cluster never clone a half-built one.
const TEMPLATE = `continua_test_template_${process.pid}`

function findTests(dir) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...findTests(full))
    else if (/\.test\.tsx?$/.test(entry.name)) out.push(full)
  }
  return out.sort()
}

const selected = process.argv.slice(2)
const files = selected.length ? selected.map((f) => path.resolve(f)) : findTests(path.join(root, 'test'))

const { createLogger } = await import(path.join(root, 'dist/src/logger.js'))
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn', format: 'pretty' })

let adminUrl = process.env.DATABASE_URL
let embedded
if (!adminUrl) {
  const { startEmbeddedPostgres } = await import(path.join(root, 'dist/src/db/embedded.js'))
  const home = process.env.CONTINUA_TEST_HOME ?? path.join(os.tmpdir(), 'continua-test-home')
  embedded = await startEmbeddedPostgres({ home, logger })
  adminUrl = embedded.url
  process.stderr.write(`tests: embedded Postgres on port ${embedded.port}\n`)
} else {
  process.stderr.write(`tests: external Postgres from DATABASE_URL\n`)
}

async function buildTemplate() {
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'continua:test-setup' })
  await admin.connect()
  try {
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [TEMPLATE])
    await admin.query(`drop database if exists ${TEMPLATE}`)
    await admin.query(`create database ${TEMPLATE}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = '/' + TEMPLATE
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, application_name: 'continua:test-setup' })
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const { migrateUp } = await import(path.join(root, 'dist/src/db/migrate.js'))
  const { installWorkerSchema } = await import(path.join(root, 'dist/src/jobs/worker.js'))
  await migrateUp(pool, logger)
  await installWorkerSchema(pool, logger)
  await pool.end()
}

// Held for the whole run: an embedded cluster shared with a concurrent run is only stopped by
// the last process still connected to it.
const lease = new pg.Client({ connectionString: adminUrl, application_name: 'continua:test-runner' })
await lease.connect()

let code = 1
try {
  await buildTemplate()
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 180000}`, ...files]
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL: adminUrl, TEST_TEMPLATE_DB: TEMPLATE, DATABASE_URL: '' },
    })
    child.on('close', (c) => resolve(c ?? 1))
  })
} finally {
  await dropTemplate().catch(() => {})
  await lease.end().catch(() => {})
  if (embedded) await embedded.release()
}

async function dropTemplate() {
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'continua:test-setup' })
  await admin.connect()
  try {
    await admin.query(`drop database if exists ${TEMPLATE} with (force)`)
  } finally {
    await admin.end()
  }
}
process.exit(code)
