import { randomUUID } from 'node:crypto'
import { appendEvents, enqueueActivation, lockRun, prepared, runColumns, wakeRun, type AppendOptions, type Client, type NewEvent, type RunRow } from '../db/engine-store.js'
import { isTerminal, type Outcome } from './types.js'

// Creating runs and closing them. Shared by start, activation commits, continue-as-new,
// children, cancel and terminate. Every function expects to run inside a transaction.

export interface NewRun {
  projectId: string
  /** Absent: the instance is created in the same statement (see createRunWithInstance). */
  instanceId?: string
  runNumber: number
  definitionName: string
  definitionVersion: string
  instanceKey: string
  input: unknown
  parent?: { runId: string; commandId: number; policy: string; rootRunId: string; depth: number }
  continuedFrom?: string
  /**
   * The creator runs the first activation itself and commits it in this transaction: no
   * activation job, and workflow.started is left for it to append with its decision.
   */
  selfActivated?: boolean
  /** Chosen by an in-process starter that already ran the first activation (see Dispatcher.startLocal). */
  id?: string
  startedAt?: Date
}

/** The workflow.started payload; an in-process starter shows the same one to the workflow code. */
export function startedPayload(r: Pick<NewRun, 'definitionName' | 'definitionVersion' | 'instanceKey' | 'input' | 'runNumber' | 'continuedFrom'>): Record<string, unknown> {
  return {
    definition_name: r.definitionName,
    definition_version: r.definitionVersion,
    instance_key: r.instanceKey,
    input: r.input ?? null,
    run_number: r.runNumber,
    ...(r.continuedFrom ? { continued_from_run_id: r.continuedFrom } : {}),
  }
}

export async function createRun(c: Client, r: NewRun & { instanceId: string }): Promise<RunRow> {
  return (await insertRun(c, r))!
}

/** Creates the instance and its first run in one statement; undefined when the instance key is taken. */
export async function createRunWithInstance(c: Client, r: Omit<NewRun, 'instanceId'>): Promise<RunRow | undefined> {
  return insertRun(c, r)
}

async function insertRun(c: Client, r: NewRun): Promise<RunRow | undefined> {
  // The id is chosen here so a root run can name itself as its root in the same insert.
  const id = r.id ?? randomUUID()
  const columns = `(id, project_id, instance_id, run_number, definition_name, definition_version, input,
       parent_run_id, parent_command_id, parent_close_policy, root_run_id, child_depth, continued_from_run_id)`
  const values = `$13, $1, $2::uuid, $3, $4, $5, $6::jsonb, $7::uuid, $8::int, $9, coalesce($10::uuid, $13::uuid), $11, $12::uuid`
  const text = r.instanceId
    ? `insert into engine.runs ${columns} values (${values}) returning ${runColumns()}`
    : `with i as (insert into engine.instances (project_id, instance_key, definition_name) values ($1, $14, $4)
         on conflict (project_id, instance_key) do nothing returning id)
       insert into engine.runs ${columns} select ${values.replace('$2::uuid', 'coalesce($2::uuid, i.id)')} from i returning ${runColumns()}`
  const { rows } = await c.query<RunRow>(
    prepared(text, [
      r.projectId,
      r.instanceId ?? null,
      r.runNumber,
      r.definitionName,
      r.definitionVersion,
      JSON.stringify(r.input ?? null),
      r.parent?.runId ?? null,
      r.parent?.commandId ?? null,
      r.parent?.policy ?? null,
      r.parent?.rootRunId ?? null,
      r.parent ? r.parent.depth : 0,
      r.continuedFrom ?? null,
      id,
      ...(r.instanceId ? [] : [r.instanceKey]),
    ]),
  )
  const run = rows[0]
  if (!run || r.selfActivated) return run
  await appendEvents(c, run, [startedEvent(r)])
  await enqueueActivation(c, run)
  return run
}

export const startedEvent = (r: Parameters<typeof startedPayload>[0] & { startedAt?: Date }): NewEvent => ({
  type: 'workflow.started',
  payload: startedPayload(r),
  createdAt: r.startedAt,
})

/** Stops a run's open work: tasks cancelled, timers cancelled, pending signals discarded. */
async function stopOpenWork(c: Client, runId: string, signalsTo: 'discarded' | 'carried_over'): Promise<void> {
  await c.query(`update engine.activity_tasks set status = 'cancelled', completed_at = now() where run_id = $1 and status in ('queued', 'claimed')`, [runId])
  await c.query(`update engine.timers set status = 'cancelled' where run_id = $1 and status = 'pending'`, [runId])
  await c.query(`update engine.signals set status = $2 where run_id = $1 and status = 'pending'`, [runId, signalsTo])
}

/** Moves a locked, non-terminal run to its terminal state and tells whoever depends on it. */
export async function closeRun(
  c: Client,
  run: RunRow,
  outcome: Outcome | { kind: 'terminated' },
  /**
   * `preceding`: events of the same commit that go before the closing one, in the same append.
   * `guard`: a speculative commit (see appendEvents), which throws SpeculationFailed before
   * anything else here happens if the run is not where the caller believes.
   */
  opts: { bumpVersion?: boolean; preceding?: NewEvent[]; guard?: AppendOptions['guard'] } = {},
): Promise<RunRow | null> {
  const payload: Record<string, unknown> =
    outcome.kind === 'completed'
      ? { result: outcome.result }
      : outcome.kind === 'failed'
        ? { error_code: outcome.code, error_message: outcome.message }
        : outcome.kind === 'terminated'
          ? { error_code: 'terminated', error_message: 'run terminated by operator' }
          : outcome.kind === 'continued_as_new'
            ? { input: outcome.input }
            : {}
  const error =
    outcome.kind === 'failed'
      ? { code: outcome.code, message: outcome.message }
      : outcome.kind === 'cancelled'
        ? { code: 'cancelled', message: 'run cancelled' }
        : outcome.kind === 'terminated'
          ? { code: 'terminated', message: 'run terminated by operator' }
          : { code: null, message: null }
  const continued = outcome.kind === 'continued_as_new'
  // One round trip: the closing event, the run's terminal state, its open work stopped (tasks,
  // timers, pending signals), its instance closed (unless the run continues as new), and its open
  // children listed for the parent-close policy.
  const row = await appendEvents(c, run, [...(opts.preceding ?? []), { type: `workflow.${outcome.kind}`, payload }], {
    status: outcome.kind,
    set: (p) =>
      `result = ${p(outcome.kind === 'completed' ? JSON.stringify(outcome.result ?? null) : null)}::jsonb,
       error_code = ${p(error.code)}, error_message = ${p(error.message)}, waiting_for = null, completed_at = now()` +
      (opts.bumpVersion ? ', activation_version = activation_version + 1' : ''),
    with: (p, gate) => ({
      ctes: `ca as (update engine.activity_tasks set status = 'cancelled', completed_at = now() where run_id = $2 and status in ('queued', 'claimed') and ${gate} returning 1),
       ct as (update engine.timers set status = 'cancelled' where run_id = $2 and status = 'pending' and ${gate} returning 1),
       cs as (update engine.signals set status = ${p(continued ? 'carried_over' : 'discarded')} where run_id = $2 and status = 'pending' and ${gate} returning 1),
       ci as (update engine.instances set status = ${p(outcome.kind)}, updated_at = now() where id = ${p(run.instance_id)}::uuid and not ${p(continued)}::boolean and ${gate} returning 1)`,
      returning: `(select coalesce(json_agg(json_build_object('id', k.id, 'parent_close_policy', k.parent_close_policy)), '[]'::json) from engine.runs k
         where k.parent_run_id = $2 and k.status not in ('completed', 'failed', 'cancelled', 'terminated', 'continued_as_new')) as children`,
    }),
    // A closed run's history ends here: its trace closes in this statement when it can.
    project: true,
    guard: opts.guard,
  })
  run.status = outcome.kind
  await applyParentClosePolicy(c, (row?.children ?? []) as Array<{ id: string; parent_close_policy: string }>)

  if (continued) return continueAsNew(c, run, outcome.input)
  if (run.parent_run_id) await notifyParent(c, run, outcome.kind, outcome.kind === 'completed' ? outcome.result : null, error)
  return null
}

async function continueAsNew(c: Client, run: RunRow, input: unknown): Promise<RunRow> {
  const { rows } = await c.query<{ instance_key: string }>('select instance_key from engine.instances where id = $1', [run.instance_id])
  const next = await createRun(c, {
    projectId: run.project_id,
    instanceId: run.instance_id,
    runNumber: run.run_number + 1,
    definitionName: run.definition_name,
    definitionVersion: run.definition_version,
    instanceKey: rows[0]!.instance_key,
    input,
    continuedFrom: run.id,
    ...(run.parent_run_id
      ? { parent: { runId: run.parent_run_id, commandId: run.parent_command_id!, policy: run.parent_close_policy!, rootRunId: run.root_run_id, depth: run.child_depth } }
      : {}),
  })
  await c.query('update engine.runs set continued_to_run_id = $2 where id = $1', [run.id, next.id])
  // Unconsumed signals carry over, in arrival order.
  const { rows: carried } = await c.query<{ signal_name: string; payload: unknown }>(
    `select signal_name, payload from engine.signals where run_id = $1 and status = 'carried_over' order by id`,
    [run.id],
  )
  for (const s of carried) await deliverSignal(c, next, s.signal_name, s.payload)
  return next
}

/** Inserts a signal into a locked run's inbox and history. */
export async function deliverSignal(c: Client, run: RunRow, name: string, payload: unknown): Promise<void> {
  const { rows } = await c.query<{ id: number }>(
    `insert into engine.signals (project_id, run_id, signal_name, payload) values ($1, $2, $3, $4::jsonb) returning id`,
    [run.project_id, run.id, name, JSON.stringify(payload ?? null)],
  )
  await appendEvents(c, run, [{ type: 'signal.received', payload: { signal_name: name, payload: payload ?? null, inbox_id: rows[0]!.id } }])
}

async function applyParentClosePolicy(c: Client, rows: Array<{ id: string; parent_close_policy: string }>): Promise<void> {
  for (const child of rows) {
    if (child.parent_close_policy === 'abandon') continue
    const locked = await lockRun(c, child.id)
    if (!locked || isTerminal(locked.status)) continue
    if (child.parent_close_policy === 'terminate') await terminateLocked(c, locked, false)
    else await requestCancelLocked(c, locked)
  }
}

/** Appends a child's end to its parent's history and wakes the parent. */
async function notifyParent(c: Client, child: RunRow, status: string, result: unknown, error: { code: string | null; message: string | null }): Promise<void> {
  const parent = await lockRun(c, child.parent_run_id!)
  if (!parent || isTerminal(parent.status)) return
  const base = { command_id: child.parent_command_id, child_run_id: child.id }
  const payload = status === 'completed' ? { ...base, result: result ?? null } : { ...base, error_code: error.code ?? `child_${status}`, error_message: error.message ?? `child ${status}` }
  await appendEvents(c, parent, [{ type: `child_workflow.${status}`, payload }])
  await wakeRun(c, parent)
}

/** Cooperative cancel of a locked run: recorded once, then the workflow decides. */
export async function requestCancelLocked(c: Client, run: RunRow): Promise<{ wakeApplied: boolean }> {
  if (run.cancel_requested || isTerminal(run.status)) return { wakeApplied: false }
  await appendEvents(c, run, [{ type: 'cancel.requested', payload: {} }])
  await c.query('update engine.runs set cancel_requested = true where id = $1', [run.id])
  run.cancel_requested = true
  return { wakeApplied: await wakeRun(c, run) }
}

/** Forceful end of a locked run and all its open descendants. */
export async function terminateLocked(c: Client, run: RunRow, notify = true, reason?: string): Promise<void> {
  if (isTerminal(run.status)) return
  const message = reason ? `run terminated by operator: ${reason}` : 'run terminated by operator'
  await appendEvents(c, run, [{ type: 'workflow.terminated', payload: { error_code: 'terminated', error_message: message } }])
  await c.query(
    `update engine.runs set status = 'terminated', error_code = 'terminated', error_message = $2,
       waiting_for = null, completed_at = now(), updated_at = now() where id = $1`,
    [run.id, message],
  )
  run.status = 'terminated'
  await c.query(`update engine.instances set status = 'terminated', updated_at = now() where id = $1`, [run.instance_id])
  await stopOpenWork(c, run.id, 'discarded')
  const { rows } = await c.query<{ id: string }>(
    `select id from engine.runs where parent_run_id = $1 and status not in ('completed', 'failed', 'cancelled', 'terminated', 'continued_as_new')`,
    [run.id],
  )
  for (const child of rows) {
    const locked = await lockRun(c, child.id)
    if (locked) await terminateLocked(c, locked, false)
  }
  if (notify && run.parent_run_id) await notifyParent(c, run, 'terminated', null, { code: 'terminated', message: 'child run terminated by operator' })
}
