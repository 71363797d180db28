import type pg from 'pg'
import type { Registry } from './definitions.js'
import { loadHistory } from './dispatch.js'
import { WorkflowExecution } from './execution.js'
import { jsonEqual } from './json.js'
import type { HistoryEvent } from './types.js'

// `continua workflows replay`: re-runs recorded histories against the given code, without
// executing anything, and reports which runs would diverge. A pre-deploy check.

export interface ReplayReport {
  run_id: string
  definition: string
  status: string
  verdict: 'ok' | 'diverged' | 'skipped'
  detail?: string
  expected?: string
  actual?: string
}

export interface ReplaySelection {
  runId?: string
  open?: boolean
  limit: number
}

const OPEN = ['queued', 'running', 'waiting', 'suspended', 'quarantined']

export async function replayRuns(pool: pg.Pool, registry: Registry, sel: ReplaySelection): Promise<ReplayReport[]> {
  const params: unknown[] = []
  let where = ''
  if (sel.runId) {
    params.push(sel.runId)
    where = `where r.id = $1`
  } else {
    const defs = [...registry.workflows.values()].map((d) => `${d.name}@${d.version}`)
    params.push(defs)
    where = `where r.definition_name || '@' || r.definition_version = any($1::text[])`
    if (sel.open) {
      params.push(OPEN)
      where += ` and r.status = any($2::text[])`
    }
  }
  params.push(sel.limit)
  const { rows } = await pool.query<{ id: string; definition_name: string; definition_version: string; status: string; instance_key: string; run_number: number }>(
    `select r.id, r.definition_name, r.definition_version, r.status, r.run_number, i.instance_key
     from engine.runs r join engine.instances i on i.id = r.instance_id ${where}
     order by r.created_at desc limit $${params.length}`,
    params,
  )
  const reports: ReplayReport[] = []
  for (const run of rows) {
    const definition = `${run.definition_name}@${run.definition_version}`
    const def = registry.workflow(run.definition_name, run.definition_version)
    if (!def) {
      reports.push({ run_id: run.id, definition, status: run.status, verdict: 'skipped', detail: 'definition not exported by the module' })
      continue
    }
    const history = await loadHistory(pool, run.id, 0)
    reports.push({ run_id: run.id, definition, status: run.status, ...(await replayOne(def, run, history)) })
  }
  return reports
}

async function replayOne(
  def: NonNullable<ReturnType<Registry['workflow']>>,
  run: { id: string; instance_key: string; run_number: number },
  history: HistoryEvent[],
): Promise<Pick<ReplayReport, 'verdict' | 'detail' | 'expected' | 'actual'>> {
  const ex = new WorkflowExecution(def, { runId: run.id, instanceKey: run.instance_key, runNumber: run.run_number }, true)
  try {
    await ex.apply(history)
  } catch (err) {
    return { verdict: 'diverged', detail: (err as Error).message }
  }
  const d = ex.takeDecision()
  if (d.divergence) return { verdict: 'diverged', ...d.divergence }
  const mismatch = compareOutcome(history, ex)
  return mismatch ? { verdict: 'diverged', ...mismatch } : { verdict: 'ok' }
}

/** For a finished run, the code must end the same way the history says it did. */
function compareOutcome(history: HistoryEvent[], ex: WorkflowExecution): { expected: string; actual: string; detail: string } | null {
  const end = history.find((e) => ['workflow.completed', 'workflow.failed', 'workflow.cancelled', 'workflow.continued_as_new'].includes(e.type))
  if (!end) return null
  const got = ex.result
  const actual = got ? got.kind : 'still running'
  const expected = end.type.slice('workflow.'.length)
  if (!got || got.kind !== expected) return { expected, actual, detail: 'the code ends differently than recorded' }
  if (got.kind === 'completed' && !jsonEqual(got.result, end.payload.result)) return { expected: JSON.stringify(end.payload.result), actual: JSON.stringify(got.result), detail: 'result differs' }
  if (got.kind === 'continued_as_new' && !jsonEqual(got.input, end.payload.input)) return { expected: 'continue-as-new input as recorded', actual: JSON.stringify(got.input), detail: 'continue-as-new input differs' }
  return null
}
