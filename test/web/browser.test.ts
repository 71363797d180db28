import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ingestSync } from '../../src/ingest/index.js'
import { createProject } from '../../src/projects.js'
import { api } from '../helpers/server.js'
import { waitFor } from '../engine/helpers.js'
import { chromiumMissing } from './browser.js'
import { openWebSession, startServer, type WebFixture, type WebSession } from './fixture.js'
import { startProvider } from './oidc-provider.js'
import { createOidcVerifier } from '../../src/auth/oidc.js'

// The debugger in a real browser against a seeded server with a real engine worker.

// Screenshots go to docs/images only when asked (CONTINUA_WEB_SCREENSHOTS=1), so ordinary runs leave
// the working tree clean.
const IMAGES = process.env.CONTINUA_WEB_SCREENSHOTS ? path.resolve('docs/images') : path.join(os.tmpdir(), 'continua-web-screenshots')
const skip = chromiumMissing()

describe('web debugger in chromium', { skip }, () => {
  let fx: WebFixture
  let browser: Browser
  let page: Page
  let errors: string[] = []
  const go = (p: string) => page.goto(`${fx.url}${p}${p.includes('?') ? '&' : '?'}project_id=${fx.demoProjectId}`)
  const shot = async (name: string) => {
    fs.mkdirSync(IMAGES, { recursive: true })
    await page.screenshot({ path: path.join(IMAGES, `${name}.png`) })
  }
  const traceByName = async (name: string) => {
    const r = await api(fx.url, 'GET', `/api/traces?project_id=${fx.demoProjectId}&q=${encodeURIComponent(name)}`)
    const t = r.body.traces.find((x: { trace_id: string }) => x.trace_id === name)
    assert.ok(t, `trace ${name} exists`)
    return t as { id: string; session_id: string; name: string }
  }

  let session: WebSession | undefined
  before(async () => {
    session = await openWebSession()
    ;({ fx, browser, page, errors } = session)
  })
  after(async () => {
    await session?.close()
  })

  it('serves the app with SPA fallback on deep links, and a JSON 404 for unknown API paths', async () => {
    const deep = await fetch(`${fx.url}/traces/does-not-exist?x=1`)
    assert.equal(deep.status, 200)
    assert.match(await deep.text(), /<div id="root">/)
    const csp = deep.headers.get('content-security-policy') ?? ''
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/)
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/)
    assert.equal(deep.headers.get('x-content-type-options'), 'nosniff')
    const apiMiss = await api(fx.url, 'GET', '/api/nope')
    assert.equal(apiMiss.status, 404)
    assert.equal(typeof apiMiss.body.code, 'string')
    const asset = await fetch(`${fx.url}/assets/missing.js`)
    assert.equal(asset.status, 404)
  })

  it('opens the failed demo trace on its primary failure', async () => {
    const failed = await traceByName('demo-trip-book')
    const spans = (await api(fx.url, 'GET', `/api/traces/${failed.id}/spans?project_id=${fx.demoProjectId}`)).body.spans as Array<{ id: string; span_id: string; parent_span_id?: string; status: string; name: string }>
    // The failure to show: a failed span none of whose descendants failed.
    const failedIds = new Set(spans.filter((s) => s.status === 'FAILED').map((s) => s.span_id))
    const parentsOfFailed = new Set(spans.filter((s) => s.status === 'FAILED' && s.parent_span_id).map((s) => s.parent_span_id!))
    const leaves = spans.filter((s) => failedIds.has(s.span_id) && !parentsOfFailed.has(s.span_id))
    assert.equal(leaves.length, 1, 'the demo has one root-cause failure')
    await go('/traces?status=failed')
    await page.getByRole('link', { name: failed.name, exact: true }).click()
    await page.getByTestId('failure-summary').waitFor()
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('span') === id, leaves[0]!.id)
    assert.equal((await page.getByTestId('inspector-title').textContent())?.trim(), leaves[0]!.name)
    assert.match((await page.getByTestId('failure-summary').textContent()) ?? '', new RegExp(leaves[0]!.name))
    await shot('trace-detail')
    // Keyboard: Up moves the selection to the previous row.
    await page.getByTestId('span-tree').focus()
    await page.keyboard.press('ArrowUp')
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('span') !== id, leaves[0]!.id)
    assert.notEqual((await page.getByTestId('inspector-title').textContent())?.trim(), leaves[0]!.name)
  })

  it('keeps list filters in the URL across a reload', async () => {
    await go('/traces')
    await page.getByTestId('traces-table').waitFor()
    await shot('traces')
    const search = page.getByRole('textbox', { name: 'Search name, id, user, session or span' })
    await search.fill('trip')
    await search.press('Enter')
    await page.getByRole('button', { name: /^failed/ }).click()
    await page.waitForFunction(() => location.search.includes('q=trip') && location.search.includes('status=failed'))
    const rowsBefore = await page.locator('[data-testid=traces-table] tbody tr').allTextContents()
    await page.reload()
    await page.getByTestId('traces-table').waitFor()
    assert.equal(await page.getByRole('textbox', { name: 'Search name, id, user, session or span' }).inputValue(), 'trip')
    const rows = await page.locator('[data-testid=traces-table] tbody tr').allTextContents()
    assert.deepEqual(rows, rowsBefore)
    assert.ok(rows.length >= 1)
    for (const r of rows) assert.match(r, /failed/)
    assert.ok(rows.every((r) => /trip/i.test(r)))
  })

  it('compares the baseline and candidate research runs', async () => {
    const baseline = await traceByName('demo-research-baseline')
    const candidate = await traceByName('demo-research-candidate')
    await go(`/sessions/${baseline.session_id}?tab=traces`)
    const row = (id: string) => page.locator('tr', { has: page.locator(`a[href^="/traces/${id}"]`) })
    await row(baseline.id).getByRole('button', { name: 'Base' }).click()
    await row(candidate.id).getByRole('button', { name: 'Cand' }).click()
    await page.getByRole('button', { name: 'Compare', exact: true }).click()
    await page.getByTestId('span-diff').waitFor()
    assert.match(page.url(), new RegExp(`baseline_trace_id=${baseline.id}`))
    const diff = (await page.getByTestId('span-diff').textContent()) ?? ''
    assert.match(diff, /search_docs/)
    assert.match(diff, /search_web/)
    assert.match(diff, /changed|baseline only|candidate only/)
    await shot('compare')
    // A changed pair opens its payloads side by side.
    await page.getByTestId('span-diff').getByRole('button', { name: 'input', exact: true }).first().click()
    const sides = page.locator('.side-by-side .grid2').first()
    await sides.waitFor()
    assert.equal(await sides.locator('.json').count(), 2)
    const text = (await sides.textContent()) ?? ''
    assert.match(text, /"v1"/)
    assert.match(text, /"v2"/)
    // The differing JSON paths are highlighted on both sides, and only those.
    const diffPaths = (await page.getByTestId('payload-diff-paths').first().textContent()) ?? ''
    assert.match(diffPaths, /differing path/)
    const del = await page.getByTestId('diff-pane-del').first().locator('.diff-line.del').allTextContents()
    const ins = await page.getByTestId('diff-pane-ins').first().locator('.diff-line.ins').allTextContents()
    assert.ok(del.some((l) => l.includes('"v1"')), `baseline highlights v1: ${JSON.stringify(del)}`)
    assert.ok(ins.some((l) => l.includes('"v2"')), `candidate highlights v2: ${JSON.stringify(ins)}`)
    assert.ok(!ins.some((l) => l.includes('"v1"')) && !del.some((l) => l.includes('"v2"')))
    const plain = await page.getByTestId('diff-pane-ins').first().locator('.diff-line:not(.ins)').count()
    assert.ok(plain > 0, 'equal lines are not highlighted')
  })

  it('charts cost, traces and failures over time, with the bucket in the URL', async () => {
    // Traces with a cost at known times in the last days (the demo's own traces are older).
    const { rollupTrace } = await import('../../src/ingest/rollup.js')
    const HOUR = 3_600_000
    const DAY = 24 * HOUR
    const now = Date.now()
    const today = Math.floor(now / DAY) * DAY
    const thisHour = Math.floor(now / HOUR) * HOUR
    const costly: Array<[string, number, string, 'completed' | 'failed']> = [
      ['usage-3d', today - 3 * DAY + HOUR, '0.25', 'completed'],
      ['usage-1d', today - DAY + HOUR, '0.5', 'failed'],
      ['usage-now', thisHour, '0.125', 'completed'],
    ]
    for (const [id, at, cost, status] of costly) {
      const iso = (ms: number) => new Date(ms).toISOString()
      await ingestSync(fx.t.db, fx.demoProjectId, {
        batch_key: id,
        traces: [{ trace_id: id, name: id, start_time: iso(at), end_time: iso(at + 1000), status }],
        spans: [{ trace_id: id, span_id: `${id}-llm`, name: 'call', type: 'llm', start_time: iso(at), end_time: iso(at + 500), status, prompt_tokens: 10, completion_tokens: 5, total_cost: cost }],
      })
      await rollupTrace(fx.t.db, (await traceByName(id)).id)
    }
    const title = (start: number) => page.getByTestId('usage-chart').locator(`[data-start="${new Date(start).toISOString()}"] title`).textContent()
    await go('/dashboard')
    const chart = page.getByTestId('usage-chart')
    await chart.waitFor()
    assert.equal(await chart.locator('[data-testid=usage-bucket]').count(), 7, 'the last 7 days by day')
    assert.equal(await chart.locator('[data-testid=usage-bucket]').first().getAttribute('data-start'), new Date(today - 6 * DAY).toISOString())
    assert.match((await title(today - 3 * DAY)) ?? '', /: \$0\.250 · 1 traces · 0 failed/)
    assert.match((await title(today - DAY)) ?? '', /: \$0\.500 · 1 traces · 1 failed/)
    assert.match((await title(today - 2 * DAY)) ?? '', /: \$0 · 0 traces · 0 failed/)
    // Bar heights follow cost: yesterday's is the tallest, three days ago half of it.
    const height = async (start: number) => Number(await chart.locator(`[data-start="${new Date(start).toISOString()}"] .usage-cost`).getAttribute('height'))
    assert.ok(Math.abs((await height(today - 3 * DAY)) * 2 - (await height(today - DAY))) < 0.01)
    const usage = await api(fx.url, 'GET', `/api/stats/usage?project_id=${fx.demoProjectId}&bucket=hour`)
    await page.getByRole('button', { name: 'Last 48 hours' }).click()
    await page.waitForFunction(() => new URL(location.href).searchParams.get('bucket') === 'hour')
    await chart.locator('[data-testid=usage-bucket]').nth(47).waitFor()
    assert.equal(await chart.locator('[data-testid=usage-bucket]').count(), 48, 'the last 48 hours by hour')
    assert.match((await title(thisHour)) ?? '', /: \$0\.125 · /)
    await page.reload()
    await page.getByTestId('usage-chart').locator('[data-testid=usage-bucket]').nth(47).waitFor()
    assert.equal(await page.getByTestId('usage-chart').locator('[data-testid=usage-bucket]').count(), 48, 'the bucket survives a reload')
    // The engine runs of the fixture started within the last hours: their traces are counted.
    assert.ok(usage.body.totals.traces >= 1)
    const titles = await page.getByTestId('usage-chart').locator('[data-testid=usage-bucket] title').allTextContents()
    const counted = titles.map((t) => Number(/· (\d+) traces/.exec(t)?.[1] ?? NaN))
    assert.ok(counted.every((n) => Number.isInteger(n)))
    assert.ok(counted.reduce((a, n) => a + n, 0) >= usage.body.totals.traces, 'every trace of the range is in a bucket')
    await page.getByRole('button', { name: 'Last 7 days' }).click()
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('bucket'))
    await page.getByTestId('usage-chart').locator('[data-testid=usage-bucket]').nth(6).waitFor()
    assert.equal(await page.getByTestId('usage-chart').locator('[data-testid=usage-bucket]').count(), 7)
  })

  it('filters traces by metadata, kept in the URL', async () => {
    await go('/traces')
    await page.getByTestId('traces-table').waitFor()
    const box = page.getByRole('textbox', { name: 'Metadata key:value' })
    await box.fill('prompt_version:v2')
    await box.press('Enter')
    await page.waitForFunction(() => new URL(location.href).searchParams.getAll('metadata').join('|') === 'prompt_version:v2')
    await page.getByTestId('metadata-filter').filter({ hasText: 'prompt_version:v2' }).waitFor()
    const onlyCandidate = async () => {
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=traces-table] tbody tr').length === 1)
      const rows = await page.locator('[data-testid=traces-table] tbody tr').allTextContents()
      assert.equal(rows.length, 1)
      assert.match(rows[0]!, /demo-research-candidate/)
    }
    await onlyCandidate()
    await page.reload()
    await page.getByTestId('traces-table').waitFor()
    await onlyCandidate()
    // A second filter narrows further (AND): no trace has both.
    await box.fill('agent:travel-planner')
    await box.press('Enter')
    await page.waitForFunction(() => new URL(location.href).searchParams.getAll('metadata').length === 2)
    await page.getByText('No traces match.').waitFor()
    // Removing the first leaves the second.
    await page.getByTestId('metadata-filter').filter({ hasText: 'prompt_version:v2' }).click()
    await page.waitForFunction(() => new URL(location.href).searchParams.getAll('metadata').join('|') === 'agent:travel-planner')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=traces-table] tbody tr').length === 1)
    assert.match((await page.locator('[data-testid=traces-table] tbody tr').allTextContents())[0]!, /demo-trip-plan/)
    // Without a colon nothing is added.
    await box.fill('agent')
    await box.press('Enter')
    assert.equal(await page.getByTestId('metadata-filter').count(), 1)
    await page.getByRole('button', { name: 'Clear all' }).click()
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('metadata'))
  })

  it('runs a finished run again from its page and its trace, prefilled, and sees the new run complete', async () => {
    const { startRun } = await import('../../src/engine/control.js')
    const first = await startRun(fx.t.pool, { projectId: fx.demoProjectId, instanceKey: 'three-web-rerun', definitionName: 'three-steps', definitionVersion: '1', requestKey: 'web-rerun-1', input: { name: 'ada' } })
    await waitFor('first run completed', async () => (await fx.t.pool.query(`select status from engine.runs where id = $1`, [first.run_id])).rows[0]?.status === 'completed')
    await go(`/engine/runs/${first.run_id}`)
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor()
    await page.getByRole('button', { name: 'Run again' }).click()
    let dialog = page.getByRole('dialog', { name: 'Run again' })
    await dialog.getByRole('textbox', { name: 'Definition name' }).waitFor()
    assert.equal(await dialog.getByRole('textbox', { name: 'Definition name' }).inputValue(), 'three-steps')
    assert.equal(await dialog.getByRole('textbox', { name: 'Definition version' }).inputValue(), '1')
    assert.deepEqual(JSON.parse(await dialog.getByRole('textbox', { name: 'Input JSON' }).inputValue()), { name: 'ada' })
    const key1 = await dialog.getByRole('textbox', { name: 'Instance key' }).inputValue()
    assert.match(key1, /^three-web-rerun-rerun-[0-9a-f]{8}$/)
    await dialog.getByRole('textbox', { name: 'Input JSON' }).fill('{"name": ')
    assert.equal(await dialog.getByRole('button', { name: 'Run again' }).isDisabled(), true, 'invalid JSON blocks the start')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    // From the trace's Engine state section: the same dialog, a fresh key, and on to the new run's trace.
    const projected = await traceByName(`engine:${first.run_id}`)
    await go(`/traces/${projected.id}?tab=engine`)
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor()
    await page.getByRole('button', { name: 'Run again' }).click()
    dialog = page.getByRole('dialog', { name: 'Run again' })
    await dialog.getByRole('textbox', { name: 'Input JSON' }).waitFor()
    const key2 = await dialog.getByRole('textbox', { name: 'Instance key' }).inputValue()
    assert.notEqual(key2, key1)
    await dialog.getByRole('textbox', { name: 'Input JSON' }).fill('{"name": "grace"}')
    await dialog.getByRole('button', { name: 'Run again' }).click()
    await page.waitForURL((u) => /\/traces\/[0-9a-f-]{36}/.test(u.pathname) && !u.pathname.includes(projected.id) && u.searchParams.get('tab') === 'engine', { timeout: 15_000 })
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 20_000 })
    const { rows } = await fx.t.pool.query(`select r.id, r.status, r.input, r.result, i.instance_key from engine.runs r join engine.instances i on i.id = r.instance_id where i.instance_key = $1`, [key2])
    assert.equal(rows.length, 1)
    assert.equal(rows[0].status, 'completed')
    assert.deepEqual(rows[0].input, { name: 'grace' })
    assert.deepEqual(rows[0].result, ['hello grace', 'hello b', 'hello c'])
    const newTrace = new URL(page.url()).pathname.split('/')[2]
    const t = await api(fx.url, 'GET', `/api/traces/${newTrace}?project_id=${fx.demoProjectId}`)
    assert.equal(t.body.trace_id, `engine:${rows[0].id}`)
  })

  it('signals a waiting run and sees it complete', async () => {
    const id = fx.waitingRunId
    await waitFor('run waiting', async () => (await fx.t.pool.query(`select status from engine.runs where id = $1`, [id])).rows[0]?.status === 'waiting')
    await go(`/engine/runs/${id}`)
    await page.getByTestId('run-status').filter({ hasText: 'waiting' }).waitFor()
    await shot('run-detail')
    await page.getByRole('button', { name: 'Signal' }).click()
    await page.getByRole('textbox', { name: 'Signal name' }).fill('approve')
    await page.getByRole('textbox', { name: 'Signal payload' }).fill('{"ok": true}')
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await page.getByRole('button', { name: /Confirm: send/ }).click()
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 20_000 })
    const result = await api(fx.url, 'GET', `/v1/engine/runs/${id}/result?project_id=${fx.demoProjectId}`)
    assert.equal(result.body.result, 'approved')
    await go('/engine/runs')
    await page.getByTestId('runs-table').waitFor()
    await shot('runs')
    // The run's projected trace has an Engine state tab with the same run.
    const projected = await traceByName(`engine:${id}`)
    await go(`/traces/${projected.id}?tab=engine`)
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor()
  })

  it('starts a run from the dialog and terminates it after confirmation', async () => {
    await go('/engine/runs')
    await page.getByRole('button', { name: 'Start run' }).click()
    const dialog = page.getByRole('dialog', { name: 'Start a run' })
    await dialog.getByRole('combobox', { name: 'Registered definition' }).selectOption('approval@1')
    await dialog.getByRole('textbox', { name: 'Instance key' }).fill('approval-web-dialog')
    await dialog.getByRole('textbox', { name: 'Input JSON' }).fill('{"timeout": "1h"')
    assert.equal(await dialog.getByRole('button', { name: 'Start' }).isDisabled(), true, 'invalid JSON blocks the start')
    await dialog.getByRole('textbox', { name: 'Input JSON' }).fill('{"timeout": "1h"}')
    await dialog.getByRole('button', { name: 'Start' }).click()
    await page.waitForURL(/\/engine\/runs\/[0-9a-f-]{36}/)
    await page.getByTestId('run-status').filter({ hasText: 'waiting' }).waitFor({ timeout: 20_000 })
    await page.getByRole('button', { name: 'Terminate' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click()
    await page.getByTestId('run-status').filter({ hasText: 'terminated' }).waitFor({ timeout: 20_000 })
    const id = page.url().match(/runs\/([0-9a-f-]{36})/)![1]!
    const { rows } = await fx.t.pool.query(`select status, instance_id from engine.runs where id = $1`, [id])
    assert.equal(rows[0].status, 'terminated')
  })

  it('suspends and resumes a waiting run', async () => {
    const { startRun } = await import('../../src/engine/control.js')
    const run = await startRun(fx.t.pool, { projectId: fx.demoProjectId, instanceKey: 'approval-web-suspend', definitionName: 'approval', definitionVersion: '1', requestKey: 'web-suspend', input: { timeout: '1h' } })
    await go(`/engine/runs/${run.run_id}`)
    await page.getByTestId('run-status').filter({ hasText: 'waiting' }).waitFor({ timeout: 20_000 })
    await page.getByRole('button', { name: 'Suspend' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click()
    await page.getByTestId('run-status').filter({ hasText: 'suspended' }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Suspend' }).isDisabled(), true)
    await page.getByRole('button', { name: 'Resume' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click()
    await page.getByTestId('run-status').filter({ hasText: 'waiting' }).waitFor({ timeout: 20_000 })
    await page.getByRole('button', { name: 'Cancel', exact: true }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel run' }).click()
    await page.getByTestId('run-status').filter({ hasText: /cancelled|failed/ }).waitFor({ timeout: 20_000 })
    assert.equal(await page.getByRole('button', { name: 'Signal' }).isDisabled(), true, 'a closed run has no controls')
  })

  it('shows the timeline with semantic filters, logs and metrics of a trace', async () => {
    const trip = await traceByName('demo-trip-plan')
    await go(`/traces/${trip.id}?tab=timeline`)
    await page.locator('.event-row').first().waitFor()
    const all = await page.locator('.event-row .badge').allTextContents()
    assert.ok(all.includes('span_started'), 'lifecycle markers in All')
    await page.getByRole('button', { name: 'Semantic' }).click()
    await page.waitForFunction(() => location.search.includes('tl=semantic'))
    const semantic = new Set(await page.locator('.event-row .badge').allTextContents())
    assert.ok(semantic.has('decision') && semantic.has('wait'), 'decisions and waits are semantic')
    for (const kind of semantic) assert.ok(['state_change', 'decision', 'effect', 'wait', 'snapshot_marker'].includes(kind), `${kind} is semantic`)
    await page.getByRole('tab', { name: 'Logs' }).click()
    await page.locator('pre.logs div').first().waitFor()
    assert.ok((await page.locator('pre.logs div').count()) > 0)
    await page.getByRole('tab', { name: 'Metrics' }).click()
    await page.getByRole('heading', { name: 'Slowest spans' }).waitFor()
    // Per-span sparklines: one row per span name, one point per occurrence.
    const spans = (await api(fx.url, 'GET', `/api/traces/${trip.id}/spans?project_id=${fx.demoProjectId}`)).body.spans as Array<{ id: string; name: string; latency_ms?: number }>
    const counts = new Map<string, number>()
    for (const s of spans) if (s.latency_ms !== undefined) counts.set(s.name, (counts.get(s.name) ?? 0) + 1)
    const sparkRows = page.getByTestId('span-sparklines').locator('tbody tr')
    assert.equal(await sparkRows.count(), Math.min(12, counts.size))
    for (const row of await sparkRows.all()) {
      const name = (await row.getAttribute('data-series'))!
      assert.equal(Number(await row.locator('svg.sparkline').getAttribute('data-points')), counts.get(name), `${name} has a point per occurrence`)
      assert.ok(((await row.locator('polyline').getAttribute('points')) ?? '').length > 0)
    }
    // Metric events from the demo data, charted per span and metric.
    assert.match((await page.getByTestId('metric-sparklines').textContent()) ?? '', /tool_latency_ms/)
    await page.getByTestId('span-sparklines').scrollIntoViewIfNeeded()
    await shot('trace-metrics')
    // A name selects the slowest occurrence in the Overview.
    const slowest = [...spans].sort((a, b) => (b.latency_ms ?? 0) - (a.latency_ms ?? 0))[0]!
    await page.getByTestId('span-sparklines').getByRole('button', { name: slowest.name, exact: true }).click()
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('span') === id && !new URL(location.href).searchParams.get('tab'), slowest.id)
  })

  it('classifies what a running trace is doing, live', async () => {
    const at = (s: number) => new Date(Date.now() - 30_000 + s * 1000).toISOString()
    await ingestSync(fx.t.db, fx.demoProjectId, {
      batch_key: 'classify-1',
      traces: [{ trace_id: 'classify-web', name: 'classify agent', status: 'running', start_time: at(0) }],
      spans: [
        { trace_id: 'classify-web', span_id: 'root', name: 'agent loop', type: 'agent', start_time: at(0), status: 'running' },
        { trace_id: 'classify-web', span_id: 'draft', parent_span_id: 'root', name: 'draft reply', type: 'llm', model: 'gpt-4o-mini', start_time: at(1), status: 'running' },
      ],
    })
    const trace = await traceByName('classify-web')
    const panel = page.getByTestId('running-state')
    const expectState = async (state: string, basis: string) => {
      await page.locator(`[data-testid=running-state][data-state=${state}][data-basis=${basis}]`).waitFor({ timeout: 10_000 })
    }
    await go(`/traces/${trace.id}`)
    await page.getByText('LIVE', { exact: true }).waitFor()
    await expectState('waiting_on_model', 'inferred')
    assert.match((await panel.textContent()) ?? '', /draft reply/)
    // The model call ends and a tool call starts: now the tool is what it waits on.
    await ingestSync(fx.t.db, fx.demoProjectId, {
      batch_key: 'classify-2',
      spans: [
        { trace_id: 'classify-web', span_id: 'draft', parent_span_id: 'root', name: 'draft reply', type: 'llm', model: 'gpt-4o-mini', start_time: at(1), end_time: at(2), status: 'completed' },
        { trace_id: 'classify-web', span_id: 'lookup', parent_span_id: 'root', name: 'lookup order', type: 'tool', start_time: at(3), status: 'running' },
      ],
    })
    await expectState('waiting_on_tool', 'inferred')
    // A declared wait wins over the open spans.
    await ingestSync(fx.t.db, fx.demoProjectId, {
      batch_key: 'classify-3',
      events: [{ trace_id: 'classify-web', span_id: 'root', event_type: 'wait', event_ts: at(4), payload: { wait_kind: 'human_approval', phase: 'entered', wait_id: 'refund-ok' } }],
    })
    await expectState('declared_wait', 'declared')
    assert.match((await panel.textContent()) ?? '', /refund-ok/)
    // Resolved, with only the root and a chain step open: actively executing.
    await ingestSync(fx.t.db, fx.demoProjectId, {
      batch_key: 'classify-4',
      spans: [
        { trace_id: 'classify-web', span_id: 'lookup', parent_span_id: 'root', name: 'lookup order', type: 'tool', start_time: at(3), end_time: at(5), status: 'completed' },
        { trace_id: 'classify-web', span_id: 'step', parent_span_id: 'root', name: 'compose answer', type: 'chain', start_time: at(6), status: 'running' },
      ],
      events: [{ trace_id: 'classify-web', span_id: 'root', event_type: 'wait', event_ts: at(6), payload: { wait_kind: 'human_approval', phase: 'resolved', wait_id: 'refund-ok', resolution: 'approved' } }],
    })
    await expectState('actively_executing', 'inferred')
    // A running trace quiet for an hour reads as possibly stalled.
    const old = (s: number) => new Date(Date.now() - 3_600_000 + s * 1000).toISOString()
    await ingestSync(fx.t.db, fx.demoProjectId, {
      batch_key: 'classify-stalled',
      traces: [{ trace_id: 'stalled-web', name: 'stalled agent', status: 'running', start_time: old(0) }],
      spans: [{ trace_id: 'stalled-web', span_id: 'root', name: 'agent loop', type: 'agent', start_time: old(0), status: 'running' }, { trace_id: 'stalled-web', span_id: 'call', parent_span_id: 'root', name: 'slow model', type: 'llm', start_time: old(1), status: 'running' }],
    })
    await go(`/traces/${(await traceByName('stalled-web')).id}`)
    await expectState('possibly_stalled', 'heuristic')
    // A durable run waiting for a signal: the engine declares the wait.
    const { startRun, terminateRun } = await import('../../src/engine/control.js')
    const waiting = await startRun(fx.t.pool, { projectId: fx.demoProjectId, instanceKey: 'approval-web-classify', definitionName: 'approval', definitionVersion: '1', requestKey: 'web-classify', input: { timeout: '1h' } })
    await waitFor('run waiting', async () => (await fx.t.pool.query(`select status from engine.runs where id = $1`, [waiting.run_id])).rows[0]?.status === 'waiting')
    await go(`/traces/${(await traceByName(`engine:${waiting.run_id}`)).id}`)
    await expectState('declared_wait', 'declared')
    // The run's own wait arrives with the engine state, which may load after the trace's events
    // (whose open timer wait is also "declared"): wait for it rather than read the first render.
    await waitFor('the engine wait in the panel', async () => /signal approve/.test((await panel.textContent()) ?? '')).catch(() => {})
    assert.match((await panel.textContent()) ?? '', /signal approve/)
    await terminateRun(fx.t.pool, fx.demoProjectId, waiting.run_id)
  })

  it('shows the lifecycle, journal counts and a replay step-through of an engine run', async () => {
    const { startRun } = await import('../../src/engine/control.js')
    const run = await startRun(fx.t.pool, { projectId: fx.demoProjectId, instanceKey: 'three-web-replay', definitionName: 'three-steps', definitionVersion: '1', requestKey: 'web-replay', input: { name: 'a' } })
    await waitFor('three-steps completed', async () => (await fx.t.pool.query(`select status from engine.runs where id = $1`, [run.run_id])).rows[0]?.status === 'completed')
    const history = (await api(fx.url, 'GET', `/v1/engine/runs/${run.run_id}/history?project_id=${fx.demoProjectId}&limit=200`)).body.events as Array<{ event_type: string }>
    const types = history.map((e) => e.event_type)
    const projected = await traceByName(`engine:${run.run_id}`)
    await waitFor('projection rolled up', async () => (await api(fx.url, 'GET', `/api/traces/${projected.id}?project_id=${fx.demoProjectId}`)).body.status === 'COMPLETED')
    const events = []
    for (let after: string | undefined, more = true; more; ) {
      const r = (await api(fx.url, 'GET', `/api/traces/${projected.id}/events?project_id=${fx.demoProjectId}&limit=500${after ? `&after=${after}` : ''}`)).body
      events.push(...(r.events as Array<{ event_type: string }>))
      more = r.has_more
      after = r.next_cursor
    }
    const count = (k: string) => events.filter((e) => e.event_type === k).length

    // Engine state: the journal counts match the trace's events; the diagram marks completed.
    await go(`/traces/${projected.id}?tab=engine`)
    const journal = page.getByTestId('journal-counts')
    await journal.waitFor()
    // The page loads events in stages: wait for the counts to settle before comparing.
    const shown = async () => {
      const out: Record<string, number> = {}
      for (const k of ['state_change', 'decision', 'effect', 'wait', 'snapshot_marker']) out[k] = Number(await journal.locator(`[data-kind=${k}] .stat-value`).textContent())
      return out
    }
    const expected = Object.fromEntries(['state_change', 'decision', 'effect', 'wait', 'snapshot_marker'].map((k) => [k, count(k)]))
    await waitFor('journal counts to match the trace events', async () => JSON.stringify(await shown()) === JSON.stringify(expected)).catch(() => {})
    assert.deepEqual(await shown(), expected)
    assert.equal(count('decision'), 3, 'one decision per activity outcome')
    const lifecycle = page.getByTestId('lifecycle')
    await page.locator('[data-testid=lifecycle][data-current=completed]').waitFor()
    assert.equal(await lifecycle.locator('.lc-node.current').getAttribute('data-status'), 'completed')
    assert.deepEqual((await lifecycle.getAttribute('data-path'))!.split(' '), ['queued', 'running', 'waiting', 'running', 'waiting', 'running', 'completed'])
    assert.equal(await lifecycle.locator('.lc-edge.taken').count(), 4, 'queued>running, running>waiting, waiting>running, running>completed')
    assert.equal(await lifecycle.locator('.lc-node.visited').count(), 4)
    await lifecycle.scrollIntoViewIfNeeded()
    await shot('trace-engine')

    // Replay: the run and its three activity spans, stepped through the recorded history.
    await page.getByRole('tab', { name: 'Replay' }).click()
    const replay = page.getByTestId('replay')
    await replay.waitFor()
    assert.match((await replay.getByRole('note').textContent()) ?? '', /Read-only/)
    const states = async () => Object.fromEntries(await page.locator('[data-testid=replay-items] .replay-row').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-item'), r.getAttribute('data-state')])))
    const last = types.length - 1
    assert.equal(await replay.getByRole('slider', { name: 'Replay step' }).inputValue(), String(last), 'opens on the last event')
    const end = await states()
    assert.equal(Object.keys(end).length, 4)
    assert.ok(Object.values(end).every((s) => s === 'replayed'))
    // Step 0 (workflow.started): every activity is still ahead.
    await replay.getByRole('slider', { name: 'Replay step' }).fill('0')
    await page.waitForFunction(() => new URL(location.href).searchParams.get('step') === '0')
    assert.match((await page.getByTestId('replay-position').textContent()) ?? '', /workflow\.started/)
    const start = await states()
    assert.equal(start.run, 'current')
    assert.equal(Object.values(start).filter((s) => s === 'pending').length, 3)
    // The first activity completion as a checkpoint: that activity replays, the others are ahead.
    const firstDone = types.indexOf('activity.completed')
    await replay.getByRole('combobox', { name: 'Checkpoint' }).selectOption(String(firstDone))
    await page.waitForFunction((i) => new URL(location.href).searchParams.get('step') === String(i), firstDone)
    const mid = await states()
    assert.deepEqual(Object.values(mid).filter((s) => s === 'replayed').length, 1)
    assert.equal(await page.getByTestId('replay-count-replayed').textContent(), '1 replayed')
    // The next step (the parallel pair scheduled) makes one current.
    await replay.getByRole('button', { name: 'Next step' }).click()
    await page.getByTestId('replay-count-current').filter({ hasText: '2 current' }).waitFor()
    await shot('trace-replay')
    // A span of the replay opens in the Overview.
    const replayed = page.locator('[data-testid=replay-items] .replay-row[data-state=replayed] button').first()
    const label = (await replayed.textContent())!.trim()
    await replayed.click()
    await page.waitForFunction(() => !new URL(location.href).searchParams.get('tab'))
    assert.equal((await page.getByTestId('inspector-title').textContent())?.trim(), label)

    // Both sections fit a phone.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } })
    try {
      for (const tab of ['replay', 'engine']) {
        await phone.goto(`${fx.url}/traces/${projected.id}?tab=${tab}&project_id=${fx.demoProjectId}`)
        await phone.getByTestId(tab === 'replay' ? 'replay' : 'lifecycle').waitFor()
        const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        assert.ok(over <= 1, `no horizontal page overflow on the ${tab} tab at phone width (got ${over}px)`)
      }
    } finally {
      await phone.close()
    }

    // A failed run: the first-failure checkpoint, the failed node of the lifecycle.
    const failed = await startRun(fx.t.pool, { projectId: fx.demoProjectId, instanceKey: 'child-web-fail', definitionName: 'child', definitionVersion: '1', requestKey: 'web-fail', input: { fail: true } })
    await waitFor('child failed', async () => (await fx.t.pool.query(`select status from engine.runs where id = $1`, [failed.run_id])).rows[0]?.status === 'failed')
    const failedTrace = await traceByName(`engine:${failed.run_id}`)
    await go(`/traces/${failedTrace.id}?tab=replay&step=0`)
    await page.getByTestId('replay').getByRole('button', { name: 'First failure' }).click()
    await page.waitForFunction(() => new URL(location.href).searchParams.get('step') !== '0')
    assert.match((await page.getByTestId('replay-position').textContent()) ?? '', /workflow\.failed/)
    assert.equal(await page.locator('[data-testid=replay-items] .replay-row[data-item=run]').getAttribute('data-state'), 'replayed')
    await page.getByRole('tab', { name: 'Engine state' }).click()
    await page.locator('[data-testid=lifecycle][data-current=failed]').waitFor()
    // Ordinary traces have no Replay tab.
    await go(`/traces/${(await traceByName('demo-trip-plan')).id}`)
    await page.getByTestId('span-tree').waitFor()
    assert.equal(await page.getByRole('tab', { name: 'Replay' }).count(), 0)
  })

  it('creates a project and rotates its key, each shown once', async () => {
    await go('/projects')
    await page.getByRole('textbox', { name: 'New project name' }).fill('web-created')
    await page.getByRole('button', { name: 'Create project' }).click()
    const first = (await page.getByTestId('revealed-key').textContent())!.trim()
    assert.match(first, /^[a-z]+_\w{20,}$/)
    await page.getByRole('button', { name: 'Done' }).click()
    const card = page.getByTestId('project-web-created')
    await card.getByRole('button', { name: 'Rotate key' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click()
    const second = (await page.getByTestId('revealed-key').textContent())!.trim()
    assert.match(second, /^[a-z]+_\w{20,}$/)
    assert.notEqual(second, first)
    await shot('projects')
    assert.equal((await api(fx.url, 'GET', '/api/traces', { headers: { 'x-api-key': first } })).status, 401)
    assert.equal((await api(fx.url, 'GET', '/api/traces', { headers: { 'x-api-key': second } })).status, 200)
    // Revoke the active key from the key list.
    await page.getByRole('button', { name: 'Done' }).click()
    await card.getByRole('button', { name: 'API keys' }).click()
    await card.getByRole('button', { name: 'Revoke' }).first().click()
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    await card.locator('.badge', { hasText: 'active' }).waitFor({ state: 'detached' })
    assert.equal(await card.getByRole('button', { name: 'Revoke' }).count(), 0)
    assert.equal((await api(fx.url, 'GET', '/api/traces', { headers: { 'x-api-key': second } })).status, 401)
  })

  it('renders the overview, a session, and a phone-width trace', async () => {
    await go('/dashboard')
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.getByTestId('usage-chart').waitFor()
    await shot('dashboard')
    const trip = await traceByName('demo-trip-plan')
    await go(`/sessions/${trip.session_id}`)
    await page.getByText('Journey').first().waitFor()
    await shot('session')
    // The command palette finds a trace by its id.
    await page.keyboard.press('Control+k')
    await page.getByRole('dialog', { name: 'Command palette' }).getByRole('textbox').fill(trip.id)
    await page.getByRole('dialog', { name: 'Command palette' }).getByText(`Trace ${trip.name}`).click()
    await page.waitForURL(new RegExp(`/traces/${trip.id}`))
    await page.keyboard.press('Control+k')
    await page.getByRole('dialog', { name: 'Command palette' }).getByRole('textbox').fill(trip.session_id)
    await page.getByRole('dialog', { name: 'Command palette' }).getByText(/^Session /).click()
    await page.waitForURL(new RegExp(`/sessions/${trip.session_id}`))
    await page.keyboard.press('Control+k')
    await page.getByRole('dialog', { name: 'Command palette' }).getByRole('textbox').fill('approval-web-1')
    await page.getByRole('dialog', { name: 'Command palette' }).getByText(/^Run approval/).click()
    await page.waitForURL(new RegExp(`/engine/runs/${fx.waitingRunId}`))
    await go(`/traces/${trip.id}`)
    await page.getByTestId('span-tree').waitFor()
    // Theme: the toggle cycles System → Light → Dark and the choice survives a reload.
    await page.getByRole('button', { name: /^Theme:/ }).click()
    await page.getByRole('button', { name: 'Theme: light' }).click()
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true)
    await page.reload()
    await page.getByTestId('span-tree').waitFor()
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true)
    await shot('trace-dark')
    await page.getByRole('button', { name: 'Theme: dark' }).click()
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await phone.goto(`${fx.url}/traces/${trip.id}?project_id=${fx.demoProjectId}`)
    await phone.getByTestId('span-tree').waitFor()
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 1, `no horizontal page overflow at phone width (got ${overflow}px)`)
    await phone.screenshot({ path: path.join(IMAGES, 'trace-phone.png') })
    for (const p of ['/dashboard', '/traces', '/sessions', '/engine/runs', '/projects', '/settings']) {
      await phone.goto(`${fx.url}${p}?project_id=${fx.demoProjectId}`)
      await phone.locator('main h1').first().waitFor()
      const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(over <= 1, `no horizontal page overflow on ${p} at phone width (got ${over}px)`)
    }
    // The navigation is a menu at phone width.
    await phone.getByRole('button', { name: 'Menu' }).click()
    await phone.locator('nav').getByRole('link', { name: 'Traces' }).click()
    await phone.waitForURL(/\/traces\?/)
    await phone.close()
  })

  it('asks for credentials off loopback and shows a banner for a rejected key', async () => {
    const guarded = await startServer(fx.t, { adminToken: undefined, host: '0.0.0.0' })
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    try {
      await p.goto(`${guarded.url}/traces`)
      const key = p.getByRole('textbox', { name: 'API key or admin token' })
      await key.fill('pk_not_a_real_key')
      await p.getByRole('button', { name: 'Continue' }).click()
      await p.getByTestId('auth-banner').waitFor()
      assert.match((await p.getByTestId('auth-banner').textContent()) ?? '', /invalid_api_key/)
      const project = await createProject(fx.t.db, 'banner-check')
      await p.getByRole('link', { name: 'Change credentials' }).click()
      await p.getByRole('textbox', { name: 'API key or admin token' }).fill(project.api_key)
      await p.getByRole('button', { name: 'Save' }).click()
      await p.getByTestId('auth-banner').waitFor({ state: 'detached' })
      await p.getByRole('link', { name: 'Traces' }).click()
      await p.getByText('No traces match').waitFor()
      // A remembered key of another project (the demo) lets the project menu switch to it.
      const rotated = await api(fx.url, 'POST', `/api/projects/${fx.demoProjectId}/keys`, { body: { name: 'browser' } })
      await p.evaluate(([id, key]) => localStorage.setItem('continua_project_api_keys', JSON.stringify({ [id!]: { name: 'demo', key } })), [fx.demoProjectId, rotated.body.api_key as string])
      await p.reload()
      await p.getByRole('combobox', { name: 'Project' }).selectOption(fx.demoProjectId)
      await p.getByTestId('traces-table').waitFor()
      assert.equal(await p.evaluate(() => localStorage.getItem('continua_api_key')), rotated.body.api_key)
    } finally {
      await p.close()
      await guarded.close()
    }
  })

  it('signs an operator in with the OIDC login button (code flow with PKCE)', async () => {
    const provider = await startProvider()
    const settings = { issuer: provider.issuer, clientId: 'debugger', audience: 'debugger', jwksUrl: undefined, allowed: ['@example.com'], emailClaim: 'email', scopes: 'openid email' }
    const guarded = await startServer(fx.t, { adminToken: undefined, host: '0.0.0.0', oidc: createOidcVerifier(settings), oidcClient: settings })
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    try {
      await p.goto(`${guarded.url}/sessions`)
      await p.getByRole('button', { name: /Sign in with 127\.0\.0\.1/ }).click()
      // The provider logs the user in at once and sends the browser back to /auth/callback.
      await p.waitForURL(/\/sessions/)
      await p.getByText('Operator (OIDC)').waitFor()
      await p.getByRole('heading', { name: 'Sessions' }).waitFor()
      await p.locator('table').waitFor()
      assert.equal(await p.getByTestId('auth-banner').count(), 0)
      // A user outside the allow-list gets the banner after login.
      provider.loginAs = { sub: 'mallory', email: 'mallory@elsewhere.org' }
      await p.evaluate(() => localStorage.clear())
      await p.goto(`${guarded.url}/traces`)
      await p.getByRole('button', { name: /Sign in with/ }).click()
      await p.getByTestId('auth-banner').waitFor()
      assert.match((await p.getByTestId('auth-banner').textContent()) ?? '', /forbidden_operator/)
    } finally {
      await p.close()
      await guarded.close()
      await provider.close()
    }
  })

  it('signs in with the pasted admin token as an operator', async () => {
    const token = 'admin-token-for-the-browser-test'
    const guarded = await startServer(fx.t, { adminToken: token, host: '127.0.0.1' })
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    try {
      await p.goto(`${guarded.url}/projects`)
      await p.getByRole('textbox', { name: 'API key or admin token' }).fill(token)
      await p.getByRole('button', { name: 'Continue' }).click()
      // An operator sees every project, and may create one.
      await p.getByTestId('project-demo').waitFor()
      await p.getByTestId('project-banner-check').waitFor()
      assert.equal(await p.getByRole('button', { name: 'Create project' }).count(), 1)
      assert.equal(await p.getByTestId('auth-banner').count(), 0)
    } finally {
      await p.close()
      await guarded.close()
    }
  })

  it('shows the demo banner and no controls in demo mode', async () => {
    const demo = await startServer(fx.t, { adminToken: undefined, host: '127.0.0.1', demoProjectId: fx.demoProjectId, demoLabel: 'Sample data' })
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    try {
      await p.goto(`${demo.url}/engine/runs`)
      await p.getByText('Sample data: read-only').waitFor()
      await p.getByTestId('runs-table').waitFor()
      assert.equal(await p.getByRole('button', { name: 'Start run' }).count(), 0)
      assert.equal(await p.getByRole('link', { name: 'Settings' }).count(), 0)
      await p.goto(`${demo.url}/engine/runs/${fx.waitingRunId}`)
      await p.getByTestId('run-status').waitFor()
      assert.equal(await p.getByRole('button', { name: 'Run again' }).count(), 0, 'no re-run in demo mode')
    } finally {
      await p.close()
      await demo.close()
    }
  })

  it('shows a truncation banner and loads the full original payload', async () => {
    const at = (sec: number) => new Date(Date.parse('2026-01-21T10:00:00Z') + sec * 1000).toISOString()
    const big = 'x'.repeat(3000) + 'END-OF-ORIGINAL'
    await ingestSync(
      fx.t.db,
      fx.demoProjectId,
      {
        batch_key: 'truncation-1',
        traces: [{ trace_id: 'truncated-web', name: 'big payload', status: 'completed', start_time: at(0), end_time: at(2) }],
        spans: [{ trace_id: 'truncated-web', span_id: 'big', name: 'big input', type: 'llm', start_time: at(0), end_time: at(2), status: 'completed', input: { prompt: big } }],
      },
      { maxPayloadBytes: 1024 },
    )
    const trace = await traceByName('truncated-web')
    await go(`/traces/${trace.id}`)
    await page.getByTestId('truncation-banner').waitFor()
    assert.doesNotMatch((await page.getByTestId('inspector').textContent()) ?? '', /END-OF-ORIGINAL/)
    await page.getByTestId('truncation-banner').getByRole('button', { name: 'Load the full original' }).click()
    await page.getByTestId('inspector').getByText(/END-OF-ORIGINAL/).waitFor()
    await page.getByTestId('inspector').getByRole('button', { name: 'Expand all' }).first().click()
    await page.getByTestId('inspector').getByRole('button', { name: 'Collapse', exact: true }).first().waitFor()
  })

  it('updates a running trace live as spans arrive', async () => {
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString()
    await ingestSync(fx.t.db, fx.demoProjectId, {
      batch_key: 'live-1',
      traces: [{ trace_id: 'live-web', name: 'live agent', status: 'running', start_time: at(0) }],
      spans: [{ trace_id: 'live-web', span_id: 'root', name: 'live root', type: 'agent', start_time: at(0), status: 'running' }],
    })
    const trace = await traceByName('live-web')
    let spanLoads = 0
    const count = (r: { url(): string }) => void (r.url().includes(`/api/traces/${trace.id}/spans`) && spanLoads++)
    page.on('request', count)
    try {
      await go(`/traces/${trace.id}`)
      await page.locator('.span-row', { hasText: 'live root' }).waitFor()
      await page.getByText('LIVE', { exact: true }).waitFor()
      const loadsBefore = spanLoads
      assert.equal(await page.locator('.span-row', { hasText: 'late tool call' }).count(), 0)
      await ingestSync(fx.t.db, fx.demoProjectId, {
        batch_key: 'live-2',
        spans: [{ trace_id: 'live-web', span_id: 'late', parent_span_id: 'root', name: 'late tool call', type: 'tool', start_time: at(5), end_time: at(6), status: 'completed' }],
      })
      await page.locator('.span-row', { hasText: 'late tool call' }).waitFor({ timeout: 10_000 })
      assert.equal(spanLoads, loadsBefore, 'the new span came over the stream, without reloading the span list')
      // When the trace ends the page reloads once and shows the final state.
      await ingestSync(fx.t.db, fx.demoProjectId, {
        batch_key: 'live-3',
        traces: [{ trace_id: 'live-web', name: 'live agent', status: 'completed', start_time: at(0), end_time: at(7) }],
        spans: [{ trace_id: 'live-web', span_id: 'root', name: 'live root', type: 'agent', start_time: at(0), end_time: at(7), status: 'completed' }],
      })
      await page.locator('.page-head .badge', { hasText: 'completed' }).waitFor({ timeout: 10_000 })
    } finally {
      page.off('request', count)
    }
  })

  it('opens a 10,000-span trace with only visible rows in the DOM (timing recorded)', async () => {
    // Server side of the load, for context in docs/benchmarks.md.
    const q = `project_id=${fx.demoProjectId}`
    const timed = async (p: string) => {
      const t0 = performance.now()
      const res = await fetch(`${fx.url}${p}`)
      const bytes = (await res.arrayBuffer()).byteLength
      return { ms: Math.round(performance.now() - t0), bytes }
    }
    const apiTimes = { trace: await timed(`/api/traces/${fx.bigTraceId}?${q}`), light_spans: await timed(`/api/traces/${fx.bigTraceId}/spans?include_payloads=false&${q}`), first_events_page: await timed(`/api/traces/${fx.bigTraceId}/events?limit=500&${q}`) }
    const started = Date.now()
    await go(`/traces/${fx.bigTraceId}`)
    await page.locator('.span-row').first().waitFor()
    // Interactive: clicking a row selects it.
    const row = page.locator('.span-row').nth(3)
    await row.click()
    await page.waitForFunction(() => document.querySelector('.span-row.selected') !== null)
    const ms = Date.now() - started
    const rows = await page.locator('.span-row').count()
    assert.ok(rows > 10 && rows < 150, `only visible rows are rendered (got ${rows})`)
    // Scroll to the bottom of the expanded tree and back: still a bounded DOM.
    await page.locator('.tree-tools').getByRole('button', { name: 'Expand all' }).click()
    await page.locator('.tree-list').evaluate((el) => (el.scrollTop = el.scrollHeight))
    await page.waitForTimeout(100)
    const after = await page.locator('.span-row').count()
    assert.ok(after < 150, `bounded DOM after scrolling (got ${after})`)
    // The Metrics section groups 10,000 spans (10,000 distinct names here) and charts the top 12.
    const metricsStarted = Date.now()
    await page.getByRole('tab', { name: 'Metrics' }).click()
    await page.getByTestId('span-sparklines').locator('svg.sparkline').first().waitFor()
    const metricsMs = Date.now() - metricsStarted
    assert.equal(await page.getByTestId('span-sparklines').locator('tbody tr').count(), 12)
    assert.match((await page.getByTestId('span-sparklines').textContent()) ?? '', /top 12 of 10,000 names/)
    const out = path.join(os.tmpdir(), 'continua-web-perf.json')
    fs.writeFileSync(out, JSON.stringify({ spans: 10_000, navigation_to_interactive_ms: ms, rendered_rows: rows, metrics_tab_ms: metricsMs, api: apiTimes, at: new Date().toISOString() }) + '\n')
    process.stderr.write(`web perf: 10,000-span trace interactive in ${ms} ms (${rows} rows in the DOM), metrics tab in ${metricsMs} ms; api ${JSON.stringify(apiTimes)}\n`)
    assert.deepEqual(errors, [], 'no uncaught page errors')
  })
})
