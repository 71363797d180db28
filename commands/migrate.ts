import { Flags } from '@oclif/core'
import { ContinuaCommand } from '../src/cli/base-command.js'
import { withDatabase } from '../src/cli/database.js'
import type { MigrationStatus } from '../src/db/migrate.js'

export default class Migrate extends ContinuaCommand {
  static override description =
    'Apply pending database migrations (and install or upgrade the graphile-worker schema). Safe to run from several processes at once: they take turns under an advisory lock.'

  static override enableJsonFlag = true

  static override examples = ['<%= config.bin %> migrate', '<%= config.bin %> migrate --status', '<%= config.bin %> migrate --down 1']

  static override flags = {
    down: Flags.integer({ description: 'Revert the last N applied migrations', min: 1, exclusive: ['status'] }),
    status: Flags.boolean({ description: 'List applied and pending migrations without changing anything', exclusive: ['down'] }),
  }

  static override summary = 'Apply, list or revert database migrations'

  async run(): Promise<{ action: string; migrations: MigrationStatus[]; changed: number[] }> {
    const { flags } = await this.parse(Migrate)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const m = await import('../src/db/migrate.js')
    return withDatabase(config, logger, 'migrate', async ({ pool }) => {
      let action = 'status'
      let changed: number[] = []
      if (flags.down) {
        action = 'down'
        changed = (await m.migrateDown(pool, flags.down, logger)).map((x) => x.version)
      } else if (!flags.status) {
        action = 'up'
        changed = (await m.migrateUp(pool, logger)).map((x) => x.version)
        const { installWorkerSchema } = await import('../src/jobs/worker.js')
        await installWorkerSchema(pool, logger)
      }
      const migrations = await m.migrationStatus(pool)
      if (!this.jsonEnabled()) this.render(action, migrations, changed)
      return { action, migrations, changed }
    })
  }

  private render(action: string, migrations: MigrationStatus[], changed: number[]): void {
    if (action === 'up') this.log(changed.length ? `Applied ${changed.length} migration(s).` : 'Database is up to date.')
    if (action === 'down') this.log(changed.length ? `Reverted ${changed.length} migration(s): ${changed.join(', ')}.` : 'Nothing to revert.')
    if (action !== 'status') return
    for (const m of migrations) {
      const state = m.applied ? `applied ${m.applied_at}` : 'pending'
      this.log(`${String(m.version).padStart(6, '0')}  ${m.name.padEnd(40)}  ${state}`)
    }
    const pending = migrations.filter((m) => !m.applied).length
    this.log(pending ? `${pending} pending.` : 'All applied.')
  }
}
