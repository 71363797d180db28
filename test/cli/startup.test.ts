import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT, cliEnv } from '../helpers/cli.js'

// Start-up stays light: --version, --help and the REST commands never load the server, the
// database layer, Ink or React. Every module load (ESM resolve and CommonJS require) is logged.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continua-imports-'))
fs.writeFileSync(
  path.join(dir, 'hooks.mjs'),
  `import fs from 'node:fs'
export async function resolve(s, c, n) { const r = await n(s, c); fs.appendFileSync(process.env.IMPORT_LOG, r.url + '\\n'); return r }`,
)
fs.writeFileSync(
  path.join(dir, 'register.mjs'),
  `import { register, createRequire } from 'node:module'
import fs from 'node:fs'
register(${JSON.stringify('file://' + path.join(dir, 'hooks.mjs'))})
const Module = createRequire(import.meta.url)('node:module')
const load = Module._load
Module._load = function (request, parent, isMain) { fs.appendFileSync(process.env.IMPORT_LOG, 'require:' + request + '\\n'); return load.call(this, request, parent, isMain) }`,
)

function loaded(args: string[]): { code: number | null; modules: string[]; stdout: string } {
  const log = path.join(dir, `log-${Math.random().toString(36).slice(2)}`)
  fs.writeFileSync(log, '')
  const r = spawnSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), path.join(ROOT, 'bin', 'run.js'), ...args], {
    env: cliEnv({ IMPORT_LOG: log, CONTINUA_API_URL: 'http://127.0.0.1:9', CONTINUA_API_KEY: 'ck_x' }),
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, modules: fs.readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout: r.stdout }
}

const HEAVY = /(\/dist\/server\/|\/dist\/src\/db\/|\/dist\/tui\/|node_modules\/(ink|react|kysely|pg|express|graphile-worker|yoga-layout)\/|^require:(ink|react|kysely|pg|express)$)/

describe('CLI start-up', () => {
  it('--version loads neither oclif nor anything heavy', () => {
    const r = loaded(['--version'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^continua\/\d+\.\d+\.\d+ \S+ node-v/)
    assert.deepEqual(r.modules.filter((m) => HEAVY.test(m) || m.includes('@oclif')), [])
  })

  it('runs list --help and a REST command load no server, database layer, Ink or React', () => {
    for (const args of [['runs', 'list', '--help'], ['trace', 'inspect', '--help'], ['runs', 'list']]) {
      const r = loaded(args)
      assert.ok(r.modules.length > 0, 'the hook saw module loads')
      assert.deepEqual(r.modules.filter((m) => HEAVY.test(m)), [], `${args.join(' ')} loaded heavy modules`)
      if (args[2] === '--help') assert.equal(r.code, 0)
      else assert.equal(r.code, 4) // nothing listens on port 9
    }
  })

  it('tui --help offers only the flags the TUI uses (no output format)', () => {
    const r = loaded(['tui', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /--poll-interval/)
    assert.match(r.stdout, /--api-url/)
    assert.doesNotMatch(r.stdout, /--json|--output|OUTPUT FLAGS/)
  })

  it('shell completion: `continua autocomplete script bash` prints the setup script', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'continua-ac-'))
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'autocomplete', 'script', 'bash'], { env: cliEnv({ XDG_CACHE_HOME: cache, HOME: cache }), encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /CONTINUA_AC_BASH_SETUP_PATH/)
  })
})
