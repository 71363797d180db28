import assert from 'node:assert/strict'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, isLoopbackHost, loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const c = loadConfig({})
    assert.equal(c.port, 8080)
    assert.equal(c.host, '127.0.0.1')
    assert.equal(c.home, path.join(os.homedir(), '.continua'))
    assert.equal(c.databaseUrl, undefined)
    assert.equal(c.logLevel, 'info')
    assert.equal(c.poolSize, 10)
    assert.equal(c.workerConcurrency, 10)
    assert.equal(c.serveWorker, true)
  })

  it('reads the environment and lets flag overrides win', () => {
    const c = loadConfig(
      { PORT: '9000', HOST: '0.0.0.0', DATABASE_URL: 'postgres://u@h/db', CONTINUA_DB_POOL_SIZE: '4', CONTINUA_HOME: '~/x' },
      { PORT: 9100 },
    )
    assert.equal(c.port, 9100)
    assert.equal(c.host, '0.0.0.0')
    assert.equal(c.databaseUrl, 'postgres://u@h/db')
    assert.equal(c.poolSize, 4)
    assert.equal(c.home, path.join(os.homedir(), 'x'))
  })

  it('treats empty strings as unset', () => {
    assert.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).port, 8080)
  })

  const bad: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /expected a port number, got "abc"/],
    [{ PORT: '70000' }, 'PORT', /between 1 and 65535/],
    [{ PORT: '80.5' }, 'PORT', /whole/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres:\/\//],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /expected one of debug, info/],
    [{ CONTINUA_DB_POOL_SIZE: '0' }, 'CONTINUA_DB_POOL_SIZE', /at least 1/],
    [{ CONTINUA_WORKER_CONCURRENCY: 'many' }, 'CONTINUA_WORKER_CONCURRENCY', /whole number/],
    [{ CONTINUA_ADMIN_TOKEN: 'short' }, 'CONTINUA_ADMIN_TOKEN', /at least 16/],
    [{ CONTINUA_SERVE_WORKER: 'maybe' }, 'CONTINUA_SERVE_WORKER', /true or false/],
  ]
  for (const [env, setting, message] of bad) {
    it(`rejects ${JSON.stringify(env)} with one line naming ${setting}`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError)
          assert.equal(err.setting, setting)
          assert.match(err.message, new RegExp(`^Invalid setting ${setting}: `))
          assert.match(err.message, message)
          assert.ok(!err.message.includes('\n'))
          return true
        },
      )
    })
  }

  it('never echoes secrets in errors', () => {
    assert.throws(() => loadConfig({ CONTINUA_ADMIN_TOKEN: 'sekrit' }), (err: Error) => !err.message.includes('sekrit'))
  })
})

describe('isLoopbackHost', () => {
  it('recognises loopback addresses only', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1', '127.1.2.3', '[::1]']) assert.ok(isLoopbackHost(h), h)
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(h), h)
  })
})
