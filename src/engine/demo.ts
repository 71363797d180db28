import type pg from 'pg'
import type { Logger } from '../logger.js'
import { cancelRun, startRun, terminateRun } from './control.js'
import { defineActivity, defineWorkflow, Registry } from './definitions.js'
import { startEngineWorker } from './runtime.js'

// Demo runs in every state, for `continua seed`: completed, waiting on a signal, retrying an
// activity, failed, cancelled, terminated, quarantined and continued-as-new. A short-lived
// in-process worker drives them to those states and stops. Idempotent by instance key.

const lookUp = defineActivity('demo.lookup', async (input: { item: string }) => ({ item: input.item, price: input.item.length * 10 }))
const charge = defineActivity('demo.charge', async (input: { total: number }) => ({ charged: input.total, receipt: `r-${input.total}` }))
const unreliable = defineActivity('demo.unreliable', async () => {
  throw Object.assign(new Error('upstream 503'), { code: 'upstream_unavailable' })
})

const order = defineWorkflow({ name: 'demo.order', version: '1' }, async (ctx, input: { items: string[] }) => {
  const priced = await Promise.all(input.items.map((item) => ctx.activity(lookUp, { item })))
  const total = priced.reduce((n, p) => n + p.price, 0)
  ctx.setStatus({ stage: 'charging', total })
  return ctx.activity(charge, { total })
})

const approval = defineWorkflow({ name: 'demo.approval', version: '1' }, async (ctx, input: { request: string }) => {
  ctx.setStatus({ waiting_for: 'approve', request: input.request })
  const decision = await ctx.signal<{ approved: boolean }>('approve', { timeout: '30d' })
  return decision === null ? 'expired' : decision.approved ? 'approved' : 'rejected'
})

const retrying = defineWorkflow({ name: 'demo.retrying', version: '1' }, async (ctx) => {
  return ctx.activity(unreliable, {}, { retry: { maxAttempts: 10, initialInterval: 3_600_000 } })
})

const failing = defineWorkflow({ name: 'demo.failing', version: '1' }, async (ctx) => {
  await ctx.activity(lookUp, { item: 'broken' })
  throw Object.assign(new Error('inventory mismatch: cannot ship'), { code: 'inventory_mismatch' })
})

const nondeterministic = defineWorkflow({ name: 'demo.nondeterministic', version: '1' }, async () => {
  // Deliberately broken: wall-clock time inside workflow code quarantines the run.
  return Date.now()
})

const loop = defineWorkflow({ name: 'demo.loop', version: '1' }, async (ctx, input: { round: number }) => {
  await ctx.sleep(10)
  if (input.round < 2) return ctx.continueAsNew({ round: input.round + 1 })
  return ctx.signal('stop')
})

export const demoDefinitions = [lookUp, charge, unreliable, order, approval, retrying, failing, nondeterministic, loop]

export interface DemoRun {
  state: string
  run_id: string
  instance_key: string
}

export async function seedEngineRuns(pool: pg.Pool, projectId: string, logger: Logger, timeoutMs = 30_000): Promise<DemoRun[]> {
  const worker = await startEngineWorker({ pool, registry: new Registry(demoDefinitions), logger, concurrency: 4, pollInterval: 300 })
  try {
    const start = async (key: string, name: string, input: unknown) => {
      const { rows } = await pool.query<{ id: string }>(
        `select r.id from engine.runs r join engine.instances i on i.id = r.instance_id where i.project_id = $1 and i.instance_key = $2 order by r.run_number limit 1`,
        [projectId, key],
      )
      if (rows[0]) return { run_id: rows[0].id, fresh: false }
      const started = await startRun(pool, { projectId, instanceKey: key, definitionName: name, definitionVersion: '1', input, requestKey: key })
      return { run_id: started.run_id, fresh: true }
    }
    const reach = async (runId: string, statuses: string[], extra?: string) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const { rows } = await pool.query<{ status: string; ok: boolean }>(
          `select status, ${extra ?? 'true'} as ok from engine.runs r where id = $1`,
          [runId],
        )
        if (rows[0] && statuses.includes(rows[0].status) && rows[0].ok) return
        if (Date.now() > deadline) throw new Error(`demo run ${runId} did not reach ${statuses.join('|')}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const out: DemoRun[] = []
    const add = (state: string, instance_key: string, run_id: string) => out.push({ state, run_id, instance_key })

    const completed = await start('demo-order-1001', 'demo.order', { items: ['kettle', 'mug', 'teapot'] })
    const waiting = await start('demo-approval-7', 'demo.approval', { request: 'refund order 1001' })
    const retry = await start('demo-retrying-1', 'demo.retrying', {})
    const failed = await start('demo-failing-1', 'demo.failing', {})
    const cancelled = await start('demo-approval-cancelled', 'demo.approval', { request: 'discount for order 1002' })
    const terminated = await start('demo-approval-terminated', 'demo.approval', { request: 'wire transfer' })
    const quarantined = await start('demo-nondeterministic-1', 'demo.nondeterministic', {})
    const continued = await start('demo-loop-1', 'demo.loop', { round: 0 })

    await reach(completed.run_id, ['completed'])
    add('completed', 'demo-order-1001', completed.run_id)
    await reach(waiting.run_id, ['waiting'], `r.waiting_for->>'kind' = 'signal'`)
    add('waiting', 'demo-approval-7', waiting.run_id)
    await reach(retry.run_id, ['waiting'], `exists (select 1 from engine.activity_tasks t where t.run_id = r.id and t.last_error_code is not null)`)
    add('retrying', 'demo-retrying-1', retry.run_id)
    await reach(failed.run_id, ['failed'])
    add('failed', 'demo-failing-1', failed.run_id)
    await reach(cancelled.run_id, ['waiting', 'cancelled'])
    if (cancelled.fresh) await cancelRun(pool, projectId, cancelled.run_id)
    await reach(cancelled.run_id, ['completed', 'cancelled'])
    add('cancelled', 'demo-approval-cancelled', cancelled.run_id)
    await reach(terminated.run_id, ['waiting', 'terminated'])
    if (terminated.fresh) await terminateRun(pool, projectId, terminated.run_id)
    add('terminated', 'demo-approval-terminated', terminated.run_id)
    await reach(quarantined.run_id, ['quarantined'])
    add('quarantined', 'demo-nondeterministic-1', quarantined.run_id)
    await reach(continued.run_id, ['continued_as_new'])
    const { rows: chain } = await pool.query<{ id: string }>(
      `select r.id from engine.runs r join engine.instances i on i.id = r.instance_id where i.project_id = $1 and i.instance_key = 'demo-loop-1' and r.run_number = 1`,
      [projectId],
    )
    // The chain ends in round 3 waiting for a `stop` signal.
    await reach(chain[0]!.id, ['continued_as_new'], `exists (select 1 from engine.runs r3 where r3.instance_id = r.instance_id and r3.run_number = 3 and r3.status = 'waiting' and r3.waiting_for->>'kind' = 'signal')`)
    add('continued_as_new', 'demo-loop-1', continued.run_id)
    return out
  } finally {
    await worker.stop()
  }
}
