import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// Runs the real, built CLI (bin/run.js over dist/) as a subprocess.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Environment for a CLI run: no inherited database or home, unless given. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '', CONTINUA_HOME: '', LOG_LEVEL: 'warn', NO_COLOR: '1' }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr })
    })
  })
}

export interface LongRunning {
  child: ChildProcess
  output(): { stdout: string; stderr: string }
  /** Waits until stdout or stderr matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}): LongRunning {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const waiters: Array<() => void> = []
  const onData = () => waiters.forEach((w) => w())
  child.stdout!.on('data', (c: Buffer) => ((stdout += c.toString()), onData()))
  child.stderr!.on('data', (c: Buffer) => ((stderr += c.toString()), onData()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            clearTimeout(timer)
            resolve()
          }
        }
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stdout=${stdout} stderr=${stderr}`)), timeoutMs)
        waiters.push(check)
        void exited.then(() => {
          check()
          clearTimeout(timer)
          reject(new Error(`process exited before ${pattern}; stdout=${stdout} stderr=${stderr}`))
        })
        check()
      })
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

export function tempHome(prefix = 'continua-home-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export { freePort } from '../../src/db/embedded.js'

/**
 * `cli(args)` runs the CLI with the environment `env()` gives at call time (set up in `before`);
 * `json(args)` adds --json, expects exit 0 and parses stdout.
 */
export function cliRunner(env: () => Record<string, string>) {
  const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { ...env(), ...extra }, 60_000)
  const json = async (args: string[]): Promise<unknown> => {
    const r = await cli([...args, '--json'])
    assert.equal(r.code, 0, `${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    try {
      return JSON.parse(r.stdout) as unknown
    } catch {
      throw new Error(`${args.join(' ')} printed no JSON: ${r.stdout.slice(0, 500)}`)
    }
  }
  return { cli, json }
}
