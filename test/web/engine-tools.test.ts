import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { startRun } from '../../src/engine/control.js'
import { api } from '../helpers/server.js'
import { waitForStatus } from '../engine/helpers.js'
import { chromiumMissing } from './browser.js'
import { openWebSession, type WebFixture, type WebSession } from './fixture.js'
import * as wf from '../engine/workflows.fixture.js'

// The engine tools of the debugger in a real browser: purge and repair on the run page, the
// projection backfill tool, the engine filters and badge of the traces list, the health page.

const skip = chromiumMissing()

describe('web debugger engine tools in chromium', { skip }, () => {
  let fx: WebFixture
  let browser: Browser
  let page: Page
  let errors: string[] = []
  const go = (p: string) => page.goto(`${fx.url}${p}${p.includes('?') ? '&' : '?'}project_id=${fx.demoProjectId}`)
  const projectionState = async (id: string) => (await fx.t.pool.query('select projection_state from engine.runs where id = $1', [id])).rows[0].projection_state as string
  /** A run of the approval workflow, started, waiting, then terminated through the API. */
  const terminatedRun = async (key: string) => {
    const run = await startRun(fx.t.pool, { projectId: fx.demoProjectId, instanceKey: key, definitionName: wf.approval.name, definitionVersion: wf.approval.version, requestKey: key, input: { timeout: '1h' } })
    await waitForStatus(fx.t.pool, run.run_id, 'waiting')
    const r = await api(fx.url, 'POST', `/v1/engine/runs/${run.run_id}/terminate?project_id=${fx.demoProjectId}`, { body: { reason: 'web test' } })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    await waitForStatus(fx.t.pool, run.run_id, 'terminated')
    return run.run_id
  }

  let session: WebSession | undefined
  before(async () => {
    session = await openWebSession()
    ;({ fx, browser, page, errors } = session)
  })
  after(async () => {
    await session?.close()
  })

  it('purges a terminated run after confirmation, then repairs it, with the state shown', async () => {
    const id = await terminatedRun('approval-web-purge')
    await go(`/engine/runs/${id}`)
    await page.getByTestId('run-status').filter({ hasText: 'terminated' }).waitFor()
    await page.getByTestId('projection-state').filter({ hasText: 'up_to_date' }).waitFor()
    await page.getByRole('button', { name: 'Purge' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('combobox', { name: 'Purge mode' }).selectOption('projection_only')
    await dialog.getByRole('button', { name: 'Purge run' }).click()
    await page.getByTestId('projection-note').filter({ hasText: 'summary_only' }).waitFor()
    await page.getByTestId('projection-state').filter({ hasText: 'summary_only' }).waitFor()
    assert.equal(await projectionState(id), 'summary_only')
    await page.getByRole('button', { name: 'Repair' }).click()
    await page.getByTestId('projection-note').filter({ hasText: 'repair_requested' }).waitFor()
    await page.getByTestId('projection-state').filter({ hasText: 'up_to_date' }).waitFor()
    assert.equal(await projectionState(id), 'up_to_date')
    // A second repair is refused with its reason.
    await page.getByRole('button', { name: 'Repair' }).click()
    await page.getByTestId('projection-note').filter({ hasText: 'already_up_to_date' }).waitFor()
    // A running run cannot be purged.
    await go(`/engine/runs/${fx.waitingRunId}`)
    await page.getByTestId('run-status').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Purge' }).isDisabled(), true)
  })

  it('previews a backfill with a dry run, then applies it', async () => {
    const id = await terminatedRun('approval-web-backfill')
    const purged = await api(fx.url, 'POST', `/v1/engine/runs/${id}/purge?project_id=${fx.demoProjectId}`, { body: { mode: 'projection_only' } })
    assert.equal(purged.body.projection_state, 'summary_only')
    await go('/settings')
    await page.getByRole('link', { name: 'Engine projections' }).click()
    await page.waitForURL(/\/tools\/engine-projections/)
    assert.equal(await page.getByRole('checkbox', { name: 'Dry run' }).isChecked(), true, 'dry run by default')
    await page.getByRole('textbox', { name: 'Instance key' }).fill('approval-web-backfill')
    await page.getByRole('spinbutton', { name: 'Limit' }).fill('101')
    assert.equal(await page.getByRole('button', { name: 'Preview' }).isDisabled(), true, 'limit above 100 is refused')
    await page.getByRole('spinbutton', { name: 'Limit' }).fill('10')
    await page.getByRole('button', { name: 'Preview' }).click()
    const table = page.getByTestId('backfill-table')
    await table.getByRole('row').filter({ hasText: id.slice(0, 8) }).filter({ hasText: 'would_repair' }).waitFor()
    assert.equal(await table.locator('tbody tr').count(), 1)
    assert.equal(await projectionState(id), 'summary_only', 'a dry run changes nothing')
    await page.getByRole('button', { name: /Apply to 1 run/ }).click()
    await table.getByRole('row').filter({ hasText: 'repair_requested' }).filter({ hasText: 'up_to_date' }).waitFor()
    await page.getByTestId('backfill-summary').filter({ hasText: 'applied' }).waitFor()
    assert.equal(await projectionState(id), 'up_to_date')
  })

  it('filters the traces list to engine runs, kept in the URL, with an engine badge', async () => {
    await go('/traces')
    await page.getByTestId('traces-table').waitFor()
    await page.getByRole('checkbox', { name: 'Engine runs only' }).check()
    await page.waitForURL(/engine_only=true/)
    await page.getByRole('combobox', { name: 'Engine run status' }).selectOption('terminated')
    await page.waitForURL(/engine_run_status=terminated/)
    await page.reload()
    await page.getByTestId('traces-table').waitFor()
    assert.equal(await page.getByRole('checkbox', { name: 'Engine runs only' }).isChecked(), true)
    const rows = page.getByTestId('traces-table').locator('tbody tr')
    await rows.filter({ hasText: 'engine · terminated' }).first().waitFor()
    const n = await rows.count()
    assert.ok(n >= 2, `terminated engine runs listed (${n})`)
    assert.equal(await page.getByTestId('engine-badge').count(), n, 'every row has the engine badge')
    await page.getByRole('textbox', { name: 'Engine instance key' }).fill('approval-web-purge')
    await page.getByRole('textbox', { name: 'Engine instance key' }).press('Enter')
    await page.waitForURL(/engine_instance_key=approval-web-purge/)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="traces-table"] tbody tr').length === 1)
    // Without the engine filter, plain traces have no badge.
    await go('/traces?q=trip')
    await page.getByTestId('traces-table').waitFor()
    assert.equal(await page.getByTestId('engine-badge').count(), 0)
  })

  it('opens engine health from the runs page', async () => {
    await go('/engine/runs')
    await page.getByRole('link', { name: 'Engine health' }).click()
    await page.waitForURL(/\/tools\/engine-health/)
    const table = page.getByTestId('workers-table')
    await table.locator('tbody tr').filter({ hasText: 'active' }).first().waitFor()
    await page.getByText('Runs ready').waitFor()
    assert.deepEqual(errors, [])
  })
})
