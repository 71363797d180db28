import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadMigrations, migrateDown, migrateUp, migrationStatus, pendingMigrations, assertNoPendingMigrations } from '../src/db/migrate.js'
import { silentLogger } from '../src/logger.js'
import { createTestDatabase, type TestDatabase } from './helpers/db.js'

describe('migrations', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase({ empty: true })
  })
  after(async () => {
    await t.drop()
  })

  it('every migration has an up and a down', () => {
    const all = loadMigrations()
    assert.ok(all.length >= 1)
    for (const m of all) {
      assert.ok(m.up.trim().length > 0, `${m.version} up`)
      assert.ok(m.down.trim().length > 0, `${m.version} down`)
    }
  })

  it('lists everything as pending on an empty database, then applies, re-applies as a no-op, reverts and re-applies', async () => {
    const all = loadMigrations()
    assert.equal((await pendingMigrations(t.pool)).length, all.length)
    await assert.rejects(assertNoPendingMigrations(t.pool), /pending migration.*continua migrate/)

    const applied = await migrateUp(t.pool, silentLogger)
    assert.equal(applied.length, all.length)
    assert.equal((await pendingMigrations(t.pool)).length, 0)
    assert.deepEqual(await migrateUp(t.pool, silentLogger), [])

    const reverted = await migrateDown(t.pool, 1, silentLogger)
    assert.deepEqual(reverted.map((m) => m.version), [all.at(-1)!.version])
    const status = await migrationStatus(t.pool)
    assert.equal(status.at(-1)!.applied, false)
    assert.ok(status.slice(0, -1).every((s) => s.applied))

    assert.equal((await migrateUp(t.pool, silentLogger)).length, 1)
    assert.equal((await pendingMigrations(t.pool)).length, 0)
  })

  it('lets concurrent migrators take turns: each migration is applied exactly once', async () => {
    await migrateDown(t.pool, 1000, silentLogger)
    const { rows } = await t.pool.query(`select count(*)::int as n from information_schema.tables where table_name = 'projects'`)
    assert.equal(rows[0].n, 0, 'down all removes the tables')
    const results = await Promise.all(Array.from({ length: 5 }, () => migrateUp(t.pool, silentLogger)))
    const total = results.reduce((n, r) => n + r.length, 0)
    assert.equal(total, loadMigrations().length)
    const count = await t.pool.query('select count(*)::int as n from continua_migrations')
    assert.equal(count.rows[0].n, loadMigrations().length)
  })

  it('refuses a database migrated by a newer Continua', async () => {
    await t.pool.query(`insert into continua_migrations (version, name) values (999999, 'from_the_future')`)
    try {
      await assert.rejects(migrateUp(t.pool, silentLogger), /migration 999999 applied, which this version of Continua does not know/)
    } finally {
      await t.pool.query('delete from continua_migrations where version = 999999')
    }
  })

  it('refuses a migration without its down file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'))
    fs.writeFileSync(path.join(dir, '000001_only_up.up.sql'), 'select 1')
    assert.throws(() => loadMigrations(dir), /needs both an \.up\.sql and a \.down\.sql/)
  })
})
