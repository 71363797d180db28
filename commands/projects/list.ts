import { ContinuaCommand } from '../../src/cli/base-command.js'
import { withDatabase } from '../../src/cli/database.js'
import type { Project } from '../../src/contract/projects.js'

export default class ProjectsList extends ContinuaCommand {
  static override description = 'List every project, reading the database directly (works even when no API key is at hand).'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> projects list', '<%= config.bin %> projects list --json']
  static override summary = 'List projects'

  async run(): Promise<{ projects: Project[] }> {
    const { flags } = await this.parse(ProjectsList)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { listProjects } = await import('../../src/projects.js')
    const { assertNoPendingMigrations } = await import('../../src/db/migrate.js')
    const projects = await withDatabase(config, logger, 'cli', async ({ db, pool }) => {
      await assertNoPendingMigrations(pool)
      return listProjects(db)
    })
    if (!this.jsonEnabled()) {
      if (projects.length === 0) this.log('No projects yet. Create one with `continua projects create <name>`.')
      for (const p of projects) this.log(`${p.id}  ${p.name}${p.is_default ? ' (default)' : ''}  created ${p.created_at}`)
    }
    return { projects }
  }
}
