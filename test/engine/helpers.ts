import assert from 'node:assert/strict'
import type pg from 'pg'

// Shared assertions for engine tests against a real Postgres.

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export async function runStatus(pool: pg.Pool, runId: string): Promise<string> {
  const { rows } = await pool.query('select status from engine.runs where id = $1', [runId])
  return rows[0]?.status
}

export async function waitForStatus(pool: pg.Pool, runId: string, statuses: string | string[], timeoutMs = 20_000): Promise<Record<string, any>> {
  const want = Array.isArray(statuses) ? statuses : [statuses]
  return waitFor(`run ${runId} to be ${want.join('|')}`, async () => {
    const { rows } = await pool.query('select * from engine.runs where id = $1', [runId])
    return rows[0] && want.includes(rows[0].status) ? rows[0] : undefined
  }, timeoutMs)
}

export async function historyTypes(pool: pg.Pool, runId: string): Promise<string[]> {
  const { rows } = await pool.query('select event_type from engine.history where run_id = $1 order by sequence_no', [runId])
  return rows.map((r) => r.event_type)
}

/** Invariant 1: sequence numbers 1..n without gaps or duplicates, for every run in the database. */
export async function assertHistoryContiguous(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query(
    `select run_id, count(*)::int as n, max(sequence_no) as max, count(distinct sequence_no)::int as distinct_n, min(sequence_no) as min
     from engine.history group by run_id`,
  )
  for (const r of rows) {
    assert.equal(r.min, 1, `run ${r.run_id} history starts at 1`)
    assert.equal(r.n, r.max, `run ${r.run_id} history has no gaps`)
    assert.equal(r.n, r.distinct_n, `run ${r.run_id} history has no duplicates`)
  }
  const { rows: runs } = await pool.query(`select r.id from engine.runs r where r.last_seq <> (select count(*) from engine.history h where h.run_id = r.id)`)
  assert.deepEqual(runs, [], 'runs.last_seq matches the history length')
}

/** Invariant 2: at most one recorded outcome per scheduled activity. */
export async function assertOneOutcomePerActivity(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query(
    `select run_id, payload->>'command_id' as cmd, count(*)::int as n from engine.history
     where event_type in ('activity.completed', 'activity.failed') group by 1, 2 having count(*) > 1`,
  )
  assert.deepEqual(rows, [], 'each activity has at most one recorded outcome')
}
