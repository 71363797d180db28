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

// --- TUI: open a 10,000-span trace and redraw after a keystroke -------------------------------
// In-process: the reducer builds the tree and rows, ink-testing-library renders the trace screen
// (the same components `continua tui` renders); timings are medians over BENCH_TUI_RUNS.
const { createElement } = await import('react')
const { render } = await import('ink-testing-library')
const { reducer, initialState } = await import('../tui/state/reducer.js')
const { TraceScreen } = await import('../tui/components/TraceScreen.js')
const { bigTrace } = await import('../test/tui/fixtures.js')

const spans = bigTrace(100, 100, 997)
const trace = { id: spans[0]!.trace_id, trace_id: 'bench', name: 'bench', status: 'COMPLETED', started_at: spans[0]!.started_at, total_spans: spans.length, total_tokens_in: 0, total_tokens_out: 0, total_cache_read_tokens: 0, total_cache_write_tokens: 0, total_reasoning_tokens: 0, total_cost_usd: 0, total_cost_usd_decimal: '0', error_count: 0, metadata: {}, change_seq: 1, tags: [], input_truncated: false, output_truncated: false, placeholder: false } as const
const tuiRuns = Number(process.env.BENCH_TUI_RUNS ?? 7)
const open: number[] = []
const key: number[] = []
for (let i = 0; i < tuiRuns; i++) {
  const t0 = performance.now()
  let s = reducer(reducer(initialState(40), { type: 'open-trace', ref: trace.id }), { type: 'trace-loaded', trace: trace as never, spans, events: [] })
  const app = render(createElement(TraceScreen, { view: s.trace!, height: 40, width: 160, now: Date.now() }))
  if (!app.lastFrame()?.includes('pipeline')) throw new Error('trace screen did not render')
  open.push(performance.now() - t0)
  for (let k = 0; k < 20; k++) {
    const k0 = performance.now()
    s = reducer(s, { type: 'key', input: 'j', key: {} })
    app.rerender(createElement(TraceScreen, { view: s.trace!, height: 40, width: 160, now: Date.now() }))
    key.push(performance.now() - k0)
  }
  app.unmount()
}
console.log('')
console.log(`TUI, ${spans.length}-span trace (${tuiRuns} opens, ${key.length} keystrokes):`)
console.log('| Step | Median | p95 | Target |')
console.log('|---|---|---|---|')
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!
console.log(`| open (tree + rows + first frame) | ${median(open).toFixed(0)} ms | ${p95(open).toFixed(0)} ms | < 1000 ms |`)
console.log(`| keystroke (j) + redraw | ${median(key).toFixed(1)} ms | ${p95(key).toFixed(1)} ms | < 50 ms |`)
