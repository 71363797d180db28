import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { ROOT } from '../helpers/cli.js'

// @continua/sdk as a package: it compiles on its own (strict, its own tsconfig) and the built
// entry point loads with nothing but Node built-ins, from outside the repository.

const run = promisify(execFile)
const SDK = path.join(ROOT, 'sdks', 'typescript')

describe('@continua/sdk package', () => {
  it('has no runtime dependencies, compiles with its own tsconfig, and its build imports stand-alone', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SDK, 'package.json'), 'utf8'))
    assert.equal(pkg.name, '@continua/sdk')
    assert.equal(pkg.type, 'module')
    assert.equal(pkg.dependencies, undefined, 'no runtime dependencies')
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'continua-sdk-build-'))
    try {
      await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', SDK, '--outDir', path.join(out, 'dist')], { cwd: ROOT })
      assert.ok(fs.existsSync(path.join(out, 'dist', 'index.d.ts')), 'declarations are emitted')
      fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }))
      const probe = `import * as sdk from './dist/index.js'; console.log(JSON.stringify(Object.keys(sdk).sort()))`
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: out })
      const names: string[] = JSON.parse(stdout)
      for (const name of ['Continua', 'EngineClient', 'ActivityWorker', 'NonRetryableError', 'wrapOpenAI', 'wrapAnthropic', 'continuaMiddleware', 'currentSpan', 'VERSION']) {
        assert.ok(names.includes(name), `exports ${name}`)
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true })
    }
  })
})
