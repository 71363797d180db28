import { Args, Flags } from '@oclif/core'
import { ContinuaCommand } from '../../src/cli/base-command.js'
import { withDatabase } from '../../src/cli/database.js'

export default class ProjectsDelete extends ContinuaCommand {
  static override args = { project: Args.string({ description: 'Project id or unique name', required: true }) }
  static override description = 'Delete a project and everything it owns (traces, sessions, runs, keys). This cannot be undone.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> projects delete old-experiment', '<%= config.bin %> projects delete default --force']
  static override flags = {
    force: Flags.boolean({ description: 'Allow deleting the default project' }),
  }
  static override summary = 'Delete a project and all its data'

  async run(): Promise<{ deleted: string; name: string }> {
    const { args, flags } = await this.parse(ProjectsDelete)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { deleteProject, resolveProject } = await import('../../src/projects.js')
    const { assertNoPendingMigrations } = await import('../../src/db/migrate.js')
    const project = await withDatabase(config, logger, 'cli', async ({ db, pool }) => {
      await assertNoPendingMigrations(pool)
      const found = await resolveProject(db, args.project)
      await deleteProject(db, found.id, { force: flags.force })
      return found
    })
    if (!this.jsonEnabled()) this.log(`Deleted project "${project.name}" (${project.id}).`)
    return { deleted: project.id, name: project.name }
  }
}
