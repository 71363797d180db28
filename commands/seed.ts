import { Flags } from '@oclif/core'
import { ContinuaCommand } from '../src/cli/base-command.js'
import { withDatabase } from '../src/cli/database.js'
import type { SeedResult } from '../src/seed/index.js'

export default class Seed extends ContinuaCommand {
  static override description =
    'Writes a deterministic demo data set into the project "demo" (created when missing): sessions, an agent that plans, calls tools, retries, fails and recovers, every event kind, a 2,041-span trace, and a baseline/candidate pair to compare. Needs no external service or key. Running it again changes nothing.'

  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> seed', '<%= config.bin %> seed --json', '<%= config.bin %> seed --no-runs']
  static override flags = {
    runs: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'Also leave durable runs in every state (completed, waiting on a signal, retrying, failed, cancelled, terminated, quarantined, continued)',
    }),
  }
  static override summary = 'Load deterministic demo data'

  async run(): Promise<SeedResult> {
    const { flags } = await this.parse(Seed)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { seedDemoWithRuns } = await import('../src/seed/index.js')
    const { renderProgress } = await import('../src/seed/progress.js')
    const progress = process.stderr.isTTY && !this.jsonEnabled() ? renderProgress(process.stderr) : undefined
    const result = await withDatabase(config, logger, 'cli', async (database) => {
      const migrate = await import('../src/db/migrate.js')
      if (database.embedded) {
        // The embedded default prepares itself, as `serve` does.
        await migrate.migrateUp(database.pool, logger)
        const { installWorkerSchema } = await import('../src/jobs/worker.js')
        await installWorkerSchema(database.pool, logger)
      } else await migrate.assertNoPendingMigrations(database.pool)
      return seedDemoWithRuns(database, { logger, onProgress: progress?.update, runs: flags.runs })
    })
    progress?.done()
    if (!this.jsonEnabled()) this.report(result)
    return result
  }

  private report(r: SeedResult): void {
    const spans = r.traces.reduce((n, t) => n + t.spans, 0)
    const events = r.traces.reduce((n, t) => n + t.events, 0)
    this.log(`${r.project.created ? 'Created' : 'Using'} project "${r.project.name}" (${r.project.id}).`)
    if (r.project.api_key) this.log(`API key (shown once, store it now): ${r.project.api_key}`)
    this.log(`${r.sessions.length} sessions, ${r.traces.length} traces, ${spans} spans, ${events} events.`)
    this.log(r.batches.written === 0 ? `Already seeded: all ${r.batches.total} batches were duplicates; nothing changed.` : `Wrote ${r.batches.written} of ${r.batches.total} batches.`)
    for (const t of r.traces) this.log(`  ${t.trace_id.padEnd(28)} ${String(t.spans).padStart(5)} spans ${String(t.events).padStart(4)} events  ${t.id}`)
    if (r.runs?.length) {
      this.log(`${r.runs.length} durable runs:`)
      for (const run of r.runs) this.log(`  ${run.state.padEnd(18)} ${run.instance_key.padEnd(28)} ${run.run_id}`)
    }
  }
}
