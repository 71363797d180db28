// npm run bench:cli — CLI start-up: median wall time of `continua --version` and
// `continua runs list --help` beside `node -e 0`, measured interleaved in the same run so
// background load hits all three alike. Needs a build (npm run build) first.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.js')
const runs = Number(process.env.BENCH_RUNS ?? 21)
const cases: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['continua --version', [bin, '--version']],
  ['continua runs list --help', [bin, 'runs', 'list', '--help']],
]

const times = new Map<string, number[]>(cases.map(([name]) => [name, []]))
const once = (args: string[]) => {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}
for (const [, args] of cases) once(args) // warm the file cache
for (let i = 0; i < runs; i++) for (const [name, args] of cases) times.get(name)!.push(once(args))

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const base = median(times.get('node -e 0')!)
console.log(`runs per command: ${runs} (interleaved)`)
console.log('| Command | Median | × node -e 0 |')
console.log('|---|---|---|')
for (const [name] of cases) {
  const m = median(times.get(name)!)
  console.log(`| \`${name}\` | ${m.toFixed(0)} ms | ${(m / base).toFixed(2)} |`)
}
const version = median(times.get('continua --version')!)
console.log(version <= 300 ? `--version ${version.toFixed(0)} ms: within the 300 ms target` : `--version ${version.toFixed(0)} ms: OVER the 300 ms target`)
