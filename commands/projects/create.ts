import { Args } from '@oclif/core'
import { ContinuaCommand } from '../../src/cli/base-command.js'
import { withDatabase } from '../../src/cli/database.js'
import type { ProjectWithKey } from '../../src/contract/projects.js'

export default class ProjectsCreate extends ContinuaCommand {
  static override args = { name: Args.string({ description: 'Project name (1-100 characters)', required: true }) }
  static override description = 'Create a project and print its API key. The key is shown only this once; only its hash is stored.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> projects create my-agent', '<%= config.bin %> projects create my-agent --json']
  static override summary = 'Create a project and its first API key'

  async run(): Promise<ProjectWithKey> {
    const { args, flags } = await this.parse(ProjectsCreate)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { createProject } = await import('../../src/projects.js')
    const { parseInput } = await import('../../src/contract/validate.js')
    const { CreateProjectRequest } = await import('../../src/contract/projects.js')
    const { name } = parseInput(CreateProjectRequest, { name: args.name }, 'name')
    const { assertNoPendingMigrations } = await import('../../src/db/migrate.js')
    const created = await withDatabase(config, logger, 'cli', async ({ db, pool }) => {
      await assertNoPendingMigrations(pool)
      return createProject(db, name)
    })
    if (!this.jsonEnabled()) {
      this.log(`Created project "${created.name}" (${created.id}).`)
      this.log(`API key (shown once, store it now): ${created.api_key}`)
    }
    return created
  }
}
