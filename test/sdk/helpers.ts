import { spawn } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type pg from 'pg'
import { ROOT } from '../helpers/cli.js'

// Shared by the SDK tests: stored rows in a form two SDK runs can be compared by, and a proxy
// that injects failures in front of the real server.

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const ORDER = 'order by coalesce(t.name, \'\'), s.sequence, s.name'

/**
 * Every trace, span and event of a project with generated ids replaced by names and times by
 * presence flags, sorted, so two runs of one scenario compare equal.
 */
export async function normalisedRows(pool: pg.Pool, projectId: string) {
  const traces = await pool.query(
    `select t.name, t.status, t.user_id, t.tags, t.environment, t.metadata, t.input, t.output, se.external_id as session,
            t.start_time is not null as has_start, t.end_time is not null as has_end, t.placeholder
       from traces t left join sessions se on se.id = t.session_id where t.project_id = $1 order by t.name`,
    [projectId],
  )
  const spans = await pool.query(
    `select t.name as trace, s.name, p.name as parent, s.type, s.status, s.status_message, s.level, s.model, s.provider,
            s.prompt_tokens::int, s.completion_tokens::int, s.total_tokens::int, s.cache_read_tokens::int, s.cache_write_tokens::int,
            s.reasoning_tokens::int, s.total_cost::text as total_cost, s.metadata, s.input, s.output, s.depth, s.sequence,
            s.end_time is not null as has_end
       from spans s join traces t on t.id = s.trace_id
       left join spans p on p.trace_id = s.trace_id and p.span_id = s.parent_span_id
      where s.project_id = $1 ${ORDER}`,
    [projectId],
  )
  const events = await pool.query(
    `select t.name as trace, s.name as span, e.event_type, e.level, e.sequence, e.message, e.payload - 'traceback' as payload,
            e.event_ts is not null as has_ts
       from span_events e join traces t on t.id = e.trace_id join spans s on s.trace_id = e.trace_id and s.span_id = e.span_id
      where e.project_id = $1 ${ORDER}, e.sequence`,
    [projectId],
  )
  const sessions = await pool.query(`select external_id, name, user_id, metadata from sessions where project_id = $1 order by external_id`, [projectId])
  return { sessions: sessions.rows, traces: traces.rows, spans: spans.rows, events: events.rows }
}

export interface FaultProxy {
  url: string
  /** Requests seen, by path. */
  seen: string[]
  /** Answers queued for the next requests; when empty, requests are forwarded. */
  faults: Array<{ status: number; headers?: Record<string, string>; body?: string } | 'drop'>
  /** Rewrites forwarded JSON answers, by request path. */
  rewrite?: (path: string, body: any) => any
  close(): Promise<void>
}

/** A proxy to `target` that answers from `faults` first (503s, 429s, dropped connections). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const proxy: FaultProxy = { url: '', seen: [], faults: [], close: async () => {} }
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    proxy.seen.push(`${req.method} ${req.url}`)
    const fault = proxy.faults.shift()
    if (fault === 'drop') return req.socket.destroy()
    if (fault) {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
      return res.end(fault.body ?? JSON.stringify({ code: 'injected', message: `injected ${fault.status}` }))
    }
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v
    const upstream = await fetch(target + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
    let text = Buffer.from(await upstream.arrayBuffer())
    if (proxy.rewrite && text.length && upstream.headers.get('content-type')?.includes('json')) {
      text = Buffer.from(JSON.stringify(proxy.rewrite(req.url ?? '', JSON.parse(text.toString()))))
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
    res.end(text)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () => new Promise((r) => (server.closeAllConnections(), server.close(() => r())))
  return proxy
}

const PY_SDK = path.join(ROOT, 'sdks', 'python')

/** Runs python3 in sdks/python with extra environment. */
export function runPython(args: string[], env: Record<string, string>, timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { cwd: PY_SDK, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })))
  })
}
