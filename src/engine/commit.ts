import type pg from 'pg'
import { activityTask, appendEvents, prepared, enqueueTimerJob, lockRun, SpeculationFailed, wakeRun, withStatement, withTx, type AppendOptions, type Client, type NewEvent, type RunRow } from '../db/engine-store.js'
import { claimedTasks, completedEvent, completeFenced, completeTaskSql, insertTasksSql, TASK_SPEC_COLUMNS, taskJobsSql, type ClaimedTask, type Fence, type RecordResult } from './activities.js'
import { closeRun, createRunWithInstance, requestCancelLocked } from './lifecycle.js'
import { resolveRetry } from './retry.js'
import { batchableProjection, type StepBatcher } from './step-batch.js'
import { isDefinitionKnown } from './workers.js'
import { activityKey, childKey, isMoving, isTerminal, timerKey, type Command, type Decision } from './types.js'

// Commits one activation's decision in one short transaction: lock the run, check nothing moved
// since the activation read it, append what the workflow code produced, create the work it asked
// for, and enqueue the jobs that will move it next. The usual step (an activity completed, more
// activities asked for) is written together with other runs' steps (step-batch.ts).

export type CommitResult =
  /** `run`: the run's row as this commit left it (its status and counters as far as the commit knows). */
  | { ok: true; closed: boolean; timers: Array<{ id: string; dueAt: Date }>; tasks: ClaimedTask[]; lastSeq: number; run: RunRow }
  /** `recorded`: with a fold, what became of the completion when the decision could not commit. */
  | { ok: false; recorded?: RecordResult }

/** Eager execution: local tasks the committing worker will run itself are claimed in the commit. */
export interface EagerClaim {
  owner: string
  /** Reserves a slot for one activity of this type; false when the worker cannot take it now. */
  reserve(type: string): boolean
}

/**
 * A completed activity whose outcome the worker already applied to its cached execution: the
 * decision was computed as if the completion were the next event, so both commit together.
 */
export interface FoldedCompletion {
  fence: Fence
  task: Pick<ClaimedTask, 'command_id' | 'activity_key' | 'activity_type' | 'attempt'>
  output: unknown
  createdAt: Date
  /** The run's row as the execution's last commit left it: enables the one-statement commit. */
  run?: RunRow
}

/**
 * `steps`: when given, a step that only asks for activities is written together with other runs'
 * steps that are ready at the same time (see step-batch.ts).
 */
export async function commitDecision(
  pool: pg.Pool,
  runId: string,
  seenVersion: number,
  d: Decision,
  eager?: EagerClaim,
  fold?: FoldedCompletion,
  steps?: StepBatcher,
): Promise<CommitResult> {
  const believed = fold?.run ? { ...fold, run: fold.run } : undefined
  // When the speculative append is all the commit holds, it runs on its own, without begin and commit.
  const oneStatement = believed !== undefined && fitsOneStatement(d, believed.run)
  if (oneStatement) {
    const batched = steps && !d.outcome ? await batchStep(steps, seenVersion, d, believed, eager) : null
    const done = batched === null ? await withStatement(pool, (c) => speculate(c, seenVersion, d, believed, eager)) : batched
    if (done) return done
  }
  return withTx(pool, async (c) => {
    if (believed && !oneStatement) {
      const done = await speculate(c, seenVersion, d, believed, eager)
      if (done) return done
    }
    const prefix: NewEvent[] = []
    let run: RunRow | undefined
    if (fold) {
      const fenced = await completeFenced(c, fold.fence, fold.output)
      if (typeof fenced === 'string') return { ok: false, recorded: fenced }
      run = fenced.run
      // The speculation holds only if the completion really is the run's next event.
      const holds = isMoving(run.status) && run.activation_version === seenVersion && run.last_seq === d.lastSeq - 1
      if (!holds) {
        if (!isTerminal(run.status)) await appendEvents(c, run, [completedEvent(fenced.task, fold.output)], { wake: true })
        return { ok: false, recorded: 'recorded' }
      }
      prefix.push(completedEvent(fenced.task, fold.output, fold.createdAt))
    } else {
      run = await lockRun(c, runId)
      if (!run || !isMoving(run.status) || run.activation_version !== seenVersion) return { ok: false }
    }
    return commitLocked(c, run, d, prefix, eager)
  })
}

/**
 * The usual step: believe the run is where this execution left it, and let the history append
 * itself lock the run, check that, fence and complete the task, and write the rest. Undefined
 * when the run moved on: nothing was written, and the checked path takes over.
 */
async function speculate(c: Client, seenVersion: number, d: Decision, fold: FoldedCompletion & { run: RunRow }, eager?: EagerClaim): Promise<CommitResult | undefined> {
  const believed = believedRun(fold.run, d, seenVersion)
  // A run that ends in one statement must have no open children (their close policy is more statements).
  const noOpenChildren = d.outcome ? ` and not exists (select 1 from engine.runs k where k.parent_run_id = g0.id and k.status in ('queued', 'running', 'waiting', 'suspended', 'quarantined'))` : ''
  try {
    return await commitLocked(c, believed, d, [completedEvent(fold.task, fold.output, fold.createdAt)], eager, {
      check: (p) => `g0.activation_version = ${p(seenVersion)}::int${noOpenChildren}`,
      also: (p, condition) => completeTaskSql(p, fold.fence, fold.output, 'g0', condition),
    })
  } catch (err) {
    if (err instanceof SpeculationFailed) return undefined
    throw err
  }
}

/**
 * The usual step, written by the batcher: the same guard and the same rows as speculate's
 * statement. Undefined when the run moved on (nothing was written); null when the step's shape is
 * not one the batched statement writes.
 */
async function batchStep(steps: StepBatcher, seenVersion: number, d: Decision, fold: FoldedCompletion & { run: RunRow }, eager?: EagerClaim): Promise<CommitResult | undefined | null> {
  const run = believedRun(fold.run, d, seenVersion)
  const events = decisionEvents([completedEvent(fold.task, fold.output, fold.createdAt)], d)
  const projection = batchableProjection(run, events)
  if (!projection) return null
  const activities = d.commands.filter((cmd): cmd is ActivityCommand => cmd.kind === 'activity')
  const outcome = await steps.submit({
    run,
    seenVersion,
    fence: fold.fence,
    output: fold.output,
    events,
    tasks: activities.map((cmd) => taskSpec(cmd, eager)),
    waitingFor: d.waitingFor,
    projection,
  })
  if (!outcome.applied) return undefined
  run.last_seq += events.length
  return { ok: true, closed: false, timers: [], tasks: outcome.tasks, lastSeq: run.last_seq, run }
}

/** The run as a folding execution believes it: waiting, just before the completion, at the version it saw. */
function believedRun(run: RunRow, d: Decision, seenVersion: number): RunRow {
  return { ...run, status: 'waiting', last_seq: d.lastSeq - 1, activation_version: seenVersion }
}

/** A decision's history: what goes before (`prefix`), its commands, then its version markers. */
function decisionEvents(prefix: NewEvent[], d: Decision): NewEvent[] {
  const events: NewEvent[] = [...prefix, ...d.commands.map(commandEvent)]
  for (const m of d.markers) events.push({ type: 'workflow.version_marker', payload: { change_id: m.changeId, command_position: m.position } })
  return events
}

/**
 * Whether a folded decision commits as its guarded history append alone: a step that only asks
 * for activities (their tasks ride in the append), or an end that needs nothing after it (no
 * parent to notify, no next run; open children are ruled out by the guard).
 */
function fitsOneStatement(d: Decision, run: RunRow): boolean {
  if (d.divergence || d.consumedSignals.length || d.cancelledCommands.length) return false
  if (d.outcome) return d.commands.length === 0 && d.outcome.kind !== 'continued_as_new' && !run.parent_run_id
  return d.commands.some((cmd) => cmd.kind === 'activity') && d.commands.every((cmd) => cmd.kind === 'activity' || cmd.kind === 'side_effect')
}

/**
 * The body of a commit, for a run the caller has locked and checked. Also used by an in-process
 * start, which commits the run's first decision in the transaction that creates the run. With
 * `guard` the run is not locked yet: its first statement locks and checks it (see appendEvents),
 * and shapes that need more than that throw SpeculationFailed before writing anything.
 */
export async function commitLocked(c: Client, run: RunRow, d: Decision, prefix: NewEvent[] = [], eager?: EagerClaim, guard?: AppendOptions['guard']): Promise<CommitResult & { ok: true }> {
  if (d.divergence) {
    if (guard) throw new SpeculationFailed()
    if (prefix.length) await appendEvents(c, run, prefix)
    await c.query(
      `update engine.runs set status = 'quarantined', error_code = 'replay_mismatch', error_message = $2,
         waiting_for = $3::jsonb, activation_version = activation_version + 1, updated_at = now() where id = $1`,
      [run.id, d.divergence.detail, JSON.stringify({ kind: 'replay_mismatch', ...d.divergence })],
    )
    return { ok: true, closed: true, timers: [], tasks: [], lastSeq: run.last_seq, run }
  }
  const seqBefore = run.last_seq + prefix.length
  const events = decisionEvents(prefix, d)
  // Common case (new commands; no child, cancellation or outcome): the history append also moves the run to
  // waiting and, if outcomes arrived while the code ran, enqueues its activation — one round trip.
  const folded = !d.outcome && events.length > 0 && !d.cancelledCommands.length && !d.commands.some((cmd) => cmd.kind === 'child')
  const wakeNow = seqBefore > d.lastSeq // outcomes arrived while the code ran
  // The run ends and its code asked for nothing else: its last events and the end are one append.
  if (d.outcome && !d.commands.length && !d.consumedSignals.length && !d.cancelledCommands.length) {
    await closeRun(c, run, d.outcome, { bumpVersion: true, preceding: events, guard })
    return { ok: true, closed: true, timers: [], tasks: [], lastSeq: run.last_seq, run }
  }
  // The usual step asks only for activities: their tasks are created in the append statement too.
  const activities = d.commands.filter((cmd): cmd is ActivityCommand => cmd.kind === 'activity')
  const tasksInAppend = folded && activities.length > 0 && d.commands.every((cmd) => cmd.kind === 'activity' || cmd.kind === 'side_effect')
  const tasks: ClaimedTask[] = []
  if (folded) {
    const row = await appendEvents(c, run, events, {
      status: 'waiting',
      set: (p) => `waiting_for = ${p(JSON.stringify(d.waitingFor))}::jsonb, activation_version = activation_version + 1`,
      wake: wakeNow,
      // This activation consumed what its job was queued for; the new commands move the run next.
      // A fold or an in-process start (prefix events) had no job: every wake comes with an event,
      // and an event would have stopped the fold.
      unwake: prefix.length === 0,
      // Nothing below appends to this run again (children, cancellations and ends are not folded).
      project: true,
      guard,
      with: tasksInAppend ? (p, gate) => activityTaskCtes(p, activities.map((cmd) => taskSpec(cmd, eager)), gate) : undefined,
    })
    run.status = 'waiting'
    if (tasksInAppend) tasks.push(...claimedTasks(row?.tasks))
  } else {
    if (guard) throw new SpeculationFailed()
    await appendEvents(c, run, events)
  }
  // How far the execution has now seen: through its own new events if nothing arrived while
  // it ran; otherwise only what it read (what arrived is news to it, and its own events that
  // follow are re-read harmlessly). Outcomes appended below (a child that failed to start) are news.
  const seenThroughAppend = wakeNow ? d.lastSeq : run.last_seq

  const timers: Array<{ id: string; dueAt: Date }> = []
  let wake = wakeNow
  // Otherwise (timers, children or status changes in the same decision) in a statement of their own.
  if (!tasksInAppend && activities.length) tasks.push(...(await createActivityTasks(c, run, activities.map((cmd) => taskSpec(cmd, eager)))))
  for (const cmd of d.commands) {
    if (cmd.kind === 'timer') timers.push(await createTimer(c, run, cmd))
    else if (cmd.kind === 'child') wake = (await startChild(c, run, cmd)) || wake
    else if (cmd.kind === 'status') await c.query('update engine.runs set custom_status = $2::jsonb where id = $1', [run.id, JSON.stringify(cmd.value)])
  }
  if (d.consumedSignals.length) {
    await c.query(`update engine.signals set status = 'consumed' where run_id = $1 and id = any($2::bigint[]) and status = 'pending'`, [run.id, d.consumedSignals])
  }
  if (d.cancelledCommands.length) await cancelCommands(c, run, d.cancelledCommands)
  // A child's start (child_workflow.started) is no news: the execution waits for the child's end
  // and ignores its start, so with nothing else new it has seen everything, and the next
  // completion can be folded.
  const ownLastSeq = wake ? seenThroughAppend : run.last_seq

  if (d.outcome) {
    await closeRun(c, run, d.outcome, { bumpVersion: true })
    return { ok: true, closed: true, timers: [], tasks: [], lastSeq: run.last_seq, run }
  }
  if (folded) return { ok: true, closed: false, timers, tasks, lastSeq: ownLastSeq, run }
  await c.query(
    `update engine.runs set status = 'waiting', waiting_for = $2::jsonb, activation_version = activation_version + 1, updated_at = now() where id = $1`,
    [run.id, JSON.stringify(d.waitingFor)],
  )
  run.status = 'waiting'
  if (wake) await wakeRun(c, run)
  return { ok: true, closed: false, timers, tasks, lastSeq: ownLastSeq, run }
}

type ActivityCommand = Extract<Command, { kind: 'activity' }>

interface TaskSpec {
  command_id: number
  activity_key: string
  activity_type: string
  input: unknown
  execution_target: string
  retry_policy: unknown
  timeouts: unknown
  owner: string | null
}

/** What a task row needs; `owner` set when the committing worker claims it to run at once. */
function taskSpec(cmd: ActivityCommand, eager: EagerClaim | undefined): TaskSpec {
  const target = cmd.options.target ?? 'local'
  return {
    command_id: cmd.id,
    activity_key: activityKey(cmd.id),
    activity_type: cmd.activityType,
    input: cmd.input ?? null,
    execution_target: target,
    retry_policy: resolveRetry(cmd.options.retry),
    timeouts: {
      start_to_close_ms: cmd.options.startToCloseTimeout ?? null,
      schedule_to_close_ms: cmd.options.scheduleToCloseTimeout ?? null,
      heartbeat_ms: cmd.options.heartbeatTimeout ?? null,
    },
    owner: target === 'local' && eager?.reserve(cmd.activityType) ? eager.owner : null,
  }
}

/**
 * CTEs that create the tasks, with `$1` the project and `$2` the run: a task claimed for eager
 * execution (`owner`) gets no queue job (if its owner dies, the sweeper queues it again); other
 * local tasks get theirs. The `returning` expressions hand back the claimed rows as `tasks`.
 */
function activityTaskCtes(param: (value: unknown) => string, specs: TaskSpec[], gate = 'true'): { ctes: string; returning: string } {
  return {
    ctes: `tk as (${insertTasksSql(`json_to_recordset(${param(JSON.stringify(specs))}::json) as k(${TASK_SPEC_COLUMNS})`, '$1', '$2', gate)}),
     tj as (${taskJobsSql(param(activityTask('')))})`,
    returning: `(select coalesce(json_agg(tk) filter (where tk.owner is not null), '[]'::json) from tk) as tasks, (select count(*) from tj) as task_jobs`,
  }
}

function commandEvent(cmd: Command): NewEvent {
  const base = { command_id: cmd.id }
  switch (cmd.kind) {
    case 'activity':
      return {
        type: 'activity.scheduled',
        payload: { ...base, activity_key: activityKey(cmd.id), activity_type: cmd.activityType, input: cmd.input, execution_target: cmd.options.target ?? 'local' },
      }
    case 'timer':
      return { type: 'timer.scheduled', payload: { ...base, timer_key: timerKey(cmd.id), duration_ms: cmd.durationMs, due_at: cmd.dueAt.toISOString() } }
    case 'child':
      return {
        type: 'child_workflow.scheduled',
        payload: { ...base, child_key: childKey(cmd.id), definition_name: cmd.definitionName, definition_version: cmd.definitionVersion, input: cmd.input, instance_key: cmd.instanceKey },
      }
    case 'side_effect':
      return { type: 'workflow.side_effect_recorded', payload: { ...base, side_effect_key: cmd.key, value: cmd.value } }
    case 'status':
      return { type: 'custom_status.updated', payload: { ...base, status: cmd.value } }
  }
}

/** Creates tasks on their own statement (activityTaskCtes, outside a history append). */
async function createActivityTasks(c: Client, run: RunRow, specs: TaskSpec[]): Promise<ClaimedTask[]> {
  const values: unknown[] = [run.project_id, run.id]
  const param = (value: unknown) => {
    values.push(value)
    return `$${values.length}`
  }
  const { ctes, returning } = activityTaskCtes(param, specs)
  const { rows } = await c.query<{ tasks: unknown }>(prepared(`with ${ctes} select ${returning}`, values))
  return claimedTasks(rows[0]?.tasks)
}

async function createTimer(c: Client, run: RunRow, cmd: Extract<Command, { kind: 'timer' }>): Promise<{ id: string; dueAt: Date }> {
  // Due relative to the database clock at commit, so a slow activation does not shorten sleeps.
  const { rows } = await c.query<{ id: string; due_at: Date }>(
    `insert into engine.timers (project_id, run_id, command_id, due_at) values ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
     on conflict (run_id, command_id) do update set command_id = excluded.command_id returning id, due_at`,
    [run.project_id, run.id, cmd.id, cmd.durationMs],
  )
  const timer = rows[0]!
  await enqueueTimerJob(c, timer.id, timer.due_at)
  return { id: timer.id, dueAt: timer.due_at }
}

/** Starts a child run; returns true when an outcome was appended to the parent right away. */
async function startChild(c: Client, parent: RunRow, cmd: Extract<Command, { kind: 'child' }>): Promise<boolean> {
  if (parent.child_depth >= 32) {
    await appendEvents(c, parent, [{ type: 'child_workflow.start_failed', payload: { command_id: cmd.id, error_code: 'max_child_depth_exceeded', error_message: 'children may nest at most 32 deep' } }])
    return true
  }
  if (!(await isDefinitionKnown(c, cmd.definitionName, cmd.definitionVersion))) {
    await appendEvents(c, parent, [
      { type: 'child_workflow.start_failed', payload: { command_id: cmd.id, error_code: 'definition_not_registered', error_message: `No worker has registered workflow ${cmd.definitionName}@${cmd.definitionVersion}` } },
    ])
    return true
  }
  const instanceKey = cmd.instanceKey ?? `child:${parent.id}:${cmd.id}`
  const child = await createRunWithInstance(c, {
    projectId: parent.project_id,
    runNumber: 1,
    definitionName: cmd.definitionName,
    definitionVersion: cmd.definitionVersion,
    instanceKey,
    input: cmd.input,
    parent: { runId: parent.id, commandId: cmd.id, policy: cmd.parentClosePolicy, rootRunId: parent.root_run_id, depth: parent.child_depth + 1 },
  })
  if (!child) {
    await appendEvents(c, parent, [
      { type: 'child_workflow.start_failed', payload: { command_id: cmd.id, error_code: 'instance_conflict', error_message: `instance key ${instanceKey} is already in use` } },
    ])
    return true
  }
  await appendEvents(c, parent, [{ type: 'child_workflow.started', payload: { command_id: cmd.id, child_key: childKey(cmd.id), child_run_id: child.id, child_instance_key: instanceKey } }])
  return false
}

async function cancelCommands(c: Client, run: RunRow, ids: number[]): Promise<void> {
  await c.query(`update engine.activity_tasks set status = 'cancelled', completed_at = now() where run_id = $1 and command_id = any($2::int[]) and status in ('queued', 'claimed')`, [run.id, ids])
  await c.query(`update engine.timers set status = 'cancelled' where run_id = $1 and command_id = any($2::int[]) and status = 'pending'`, [run.id, ids])
  const { rows } = await c.query<{ id: string }>(
    `select id from engine.runs where parent_run_id = $1 and parent_command_id = any($2::int[])
       and status not in ('completed', 'failed', 'cancelled', 'terminated', 'continued_as_new')`,
    [run.id, ids],
  )
  for (const child of rows) {
    const locked = await lockRun(c, child.id)
    if (locked) await requestCancelLocked(c, locked)
  }
}
