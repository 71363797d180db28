import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { AddressInfo } from 'node:net'
import { createApp } from '../../server/app.js'
import { defaultWebRoot } from '../../server/routes/web.js'
import type { AuthSettings } from '../../src/auth/principal.js'
import type { IngestRequest } from '../../src/contract/ingest.js'
import { Registry } from '../../src/engine/definitions.js'
import { startRun } from '../../src/engine/control.js'
import { startEngineWorker, type EngineWorker } from '../../src/engine/runtime.js'
import { ingestSync } from '../../src/ingest/index.js'
import { rollupTrace } from '../../src/ingest/rollup.js'
import { createLogger } from '../../src/logger.js'
import { seedDemo } from '../../src/seed/index.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import * as wf from '../engine/workflows.fixture.js'
import { launch } from './browser.js'

// A seeded server for the web tests: the demo project from `continua seed`, a 10,000-span
// trace, and a real engine worker with a run waiting for a signal.

export interface WebFixture {
  t: TestDatabase
  url: string
  demoProjectId: string
  bigTraceId: string
  waitingRunId: string
  stop(): Promise<void>
}

export async function startServer(t: TestDatabase, auth: AuthSettings): Promise<{ url: string; close(): Promise<void> }> {
  const logger = createLogger({ level: 'error', format: 'pretty' })
  const app = createApp({ db: t.db, logger, auth, maxBodyBytes: 1024 * 1024, pool: t.pool })
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** One trace of `total` spans: a root, groups of 99 children under 100-ish group spans. */
export async function ingestBigTrace(t: TestDatabase, projectId: string, total = 10_000): Promise<string> {
  const traceId = `perf-${total}`
  const t0 = Date.parse('2026-01-20T10:00:00Z')
  const at = (ms: number) => new Date(t0 + ms).toISOString()
  const spans: IngestRequest['spans'] = [{ trace_id: traceId, span_id: 'root', name: 'enrichment run', type: 'agent', start_time: at(0), end_time: at(total * 10 + 10), status: 'completed' }]
  let group = ''
  for (let i = 1; i < total; i++) {
    if ((i - 1) % 100 === 0) {
      group = `g${i}`
      spans.push({ trace_id: traceId, span_id: group, parent_span_id: 'root', name: `stage ${Math.floor(i / 100)}`, type: 'chain', start_time: at(i * 10), end_time: at(i * 10 + 1000), status: 'completed' })
    } else {
      spans.push({ trace_id: traceId, span_id: `s${i}`, parent_span_id: group, name: `llm call ${i}`, type: 'llm', model: 'gpt-4.1-mini', prompt_tokens: 100, completion_tokens: 20, start_time: at(i * 10), end_time: at(i * 10 + 8), status: i % 997 === 0 ? 'failed' : 'completed', input: { prompt: `item ${i}` }, output: { text: `result ${i}` } })
    }
  }
  for (let b = 0; b * 500 < spans.length; b++) {
    await ingestSync(t.db, projectId, {
      batch_key: `${traceId}:${b}`,
      traces: b === 0 ? [{ trace_id: traceId, name: `${total.toLocaleString('en-US')}-span trace`, start_time: at(0), end_time: at(total * 10 + 10), status: 'completed' }] : undefined,
      spans: spans.slice(b * 500, (b + 1) * 500),
    })
  }
  const row = await t.db.selectFrom('traces').select('id').where('project_id', '=', projectId).where('trace_id', '=', traceId).executeTakeFirstOrThrow()
  await rollupTrace(t.db, row.id)
  return row.id
}

export async function startWebFixture(): Promise<WebFixture> {
  const t = await createTestDatabase()
  let worker: EngineWorker | undefined
  let server: { url: string; close(): Promise<void> } | undefined
  try {
    const seeded = await seedDemo(t.db)
    const demoProjectId = seeded.project.id
    const bigTraceId = await ingestBigTrace(t, demoProjectId)
    worker = await startEngineWorker({ pool: t.pool, registry: Registry.fromModule(wf), logger: createLogger({ level: 'error', format: 'pretty' }), concurrency: 2, pollInterval: 300 })
    const run = await startRun(t.pool, { projectId: demoProjectId, instanceKey: 'approval-web-1', definitionName: wf.approval.name, definitionVersion: wf.approval.version, requestKey: 'web-test-1', input: { timeout: '1h' } })
    server = await startServer(t, { adminToken: undefined, host: '127.0.0.1' })
    const w = worker
    const s = server
    return {
      t,
      url: server.url,
      demoProjectId,
      bigTraceId,
      waitingRunId: run.run_id,
      stop: async () => {
        await s.close()
        await w.stop()
        await t.drop()
      },
    }
  } catch (err) {
    await server?.close()
    await worker?.stop()
    await t.drop()
    throw err
  }
}

/** The seeded server and a chromium page on it, as the browser test files share them. */
export interface WebSession {
  fx: WebFixture
  browser: Browser
  page: Page
  /** Uncaught page errors and contract-drift warnings seen so far (expected to stay empty). */
  errors: string[]
  close(): Promise<void>
}

export async function openWebSession(): Promise<WebSession> {
  if (!fs.existsSync(path.join(defaultWebRoot(), 'index.html'))) throw new Error('dist/web is missing: run `npm run build` before the browser tests')
  const fx = await startWebFixture()
  const browser = await launch()
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  // The client checks responses against the zod contracts and warns on drift.
  page.on('console', (m) => m.text().includes('does not match its contract') && errors.push(m.text()))
  return {
    fx,
    browser,
    page,
    errors,
    async close() {
      await browser.close()
      await fx.stop()
    },
  }
}
