import { Flags } from '@oclif/core'
import { ContinuaCommand } from '../../src/cli/base-command.js'
import { withDatabase } from '../../src/cli/database.js'
import { EXIT } from '../../src/errors.js'

export default class WorkflowsReplay extends ContinuaCommand {
  static override summary = 'Replay recorded runs against workflow code and report divergences'
  static override description =
    'Re-runs the recorded history of runs against the workflow definitions exported by --workflows, without executing any activity or side effect, and reports which runs would diverge (quarantine) if this code were deployed. Exits 1 when any run diverges.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> workflows replay --workflows ./dist/workflows.js --open',
    '<%= config.bin %> workflows replay --workflows ./src/workflows.ts --run 7d9f…',
  ]
  static override flags = {
    workflows: Flags.string({ description: 'Module (.js, or .ts via tsx) exporting the workflow definitions to check; repeatable', multiple: true, required: true }),
    run: Flags.string({ description: 'Replay only this run id' }),
    open: Flags.boolean({ description: 'Only runs that are not finished (queued, running, waiting, suspended, quarantined)' }),
    limit: Flags.integer({ description: 'At most this many runs, newest first', default: 500, min: 1, max: 100_000 }),
  }

  async run(): Promise<{ runs: unknown[]; diverged: number }> {
    const { flags } = await this.parse(WorkflowsReplay)
    if (flags.run && !/^[0-9a-f-]{36}$/i.test(flags.run)) this.error(`--run must be a run id (UUID), got ${flags.run}`, { exit: EXIT.usage })
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { loadDefinitions } = await import('../../src/engine/load-module.js')
    const { replayRuns } = await import('../../src/engine/replay-check.js')
    const { assertNoPendingMigrations } = await import('../../src/db/migrate.js')
    const registry = await loadDefinitions(flags.workflows)
    const reports = await withDatabase(config, logger, 'cli', async ({ pool }) => {
      await assertNoPendingMigrations(pool)
      return replayRuns(pool, registry, { runId: flags.run?.toLowerCase(), open: flags.open, limit: flags.limit })
    })
    const diverged = reports.filter((r) => r.verdict === 'diverged').length
    if (!this.jsonEnabled()) {
      if (reports.length === 0) this.log('No matching runs to replay.')
      for (const r of reports) {
        const extra = r.verdict === 'diverged' ? `  ${r.detail}${r.expected ? ` (expected ${r.expected}; code gave ${r.actual})` : ''}` : r.verdict === 'skipped' ? `  ${r.detail}` : ''
        this.log(`${r.verdict.padEnd(8)} ${r.run_id}  ${r.definition}  ${r.status}${extra}`)
      }
      this.log(`${reports.length} replayed, ${diverged} diverged`)
    }
    if (diverged > 0) process.exitCode = EXIT.failed
    return { runs: reports, diverged }
  }
}
