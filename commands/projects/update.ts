import { Args, Flags } from '@oclif/core'
import { ContinuaCommand } from '../../src/cli/base-command.js'
import { withDatabase } from '../../src/cli/database.js'
import type { Project } from '../../src/contract/projects.js'

export default class ProjectsUpdate extends ContinuaCommand {
  static override args = { project: Args.string({ description: 'Project id or unique name', required: true }) }
  static override description =
    'Rename a project or set how long its traces are kept. With a retention, the hourly maintenance task deletes traces (with their spans, events and payloads) older than that many days.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> projects update default --retention-days 30',
    '<%= config.bin %> projects update default --retention-days off',
    '<%= config.bin %> projects update old-name --name new-name',
  ]
  static override flags = {
    name: Flags.string({ description: 'New name (1-100 characters)' }),
    'retention-days': Flags.string({ description: 'Days to keep traces, or "off" to keep them forever' }),
  }
  static override summary = 'Rename a project or set its trace retention'

  async run(): Promise<Project> {
    const { args, flags } = await this.parse(ProjectsUpdate)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { parseInput } = await import('../../src/contract/validate.js')
    const { UpdateProjectRequest } = await import('../../src/contract/projects.js')
    const retention = flags['retention-days']
    const change = parseInput(
      UpdateProjectRequest,
      { name: flags.name, retention_days: retention === undefined ? undefined : retention === 'off' ? null : Number(retention) },
      'flags',
    )
    const { resolveProject, updateProject } = await import('../../src/projects.js')
    const { assertNoPendingMigrations } = await import('../../src/db/migrate.js')
    const updated = await withDatabase(config, logger, 'cli', async ({ db, pool }) => {
      await assertNoPendingMigrations(pool)
      return updateProject(db, (await resolveProject(db, args.project)).id, change)
    })
    if (!this.jsonEnabled()) {
      const keep = updated.retention_days === null ? 'kept forever' : `kept ${updated.retention_days} days`
      this.log(`Project "${updated.name}" (${updated.id}): traces ${keep}.`)
    }
    return updated
  }
}
