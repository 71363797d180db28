import { Args } from '@oclif/core'
import { ContinuaCommand } from '../../src/cli/base-command.js'
import { withDatabase } from '../../src/cli/database.js'
import type { ProjectWithKey } from '../../src/contract/projects.js'

export default class ProjectsRotateKey extends ContinuaCommand {
  static override args = { project: Args.string({ description: 'Project id or unique name', required: true }) }
  static override description =
    'Revoke every active API key of a project and issue a new one. The old keys stop working at once. Use it to recover access, too: it needs only the database.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> projects rotate-key default', '<%= config.bin %> projects rotate-key 0b6c…-uuid --json']
  static override summary = 'Replace a project\'s API keys with a new one'

  async run(): Promise<ProjectWithKey> {
    const { args, flags } = await this.parse(ProjectsRotateKey)
    const config = this.settings(flags)
    const logger = this.makeLogger(config)
    const { resolveProject, rotateProjectKey } = await import('../../src/projects.js')
    const { assertNoPendingMigrations } = await import('../../src/db/migrate.js')
    const rotated = await withDatabase(config, logger, 'cli', async ({ db, pool }) => {
      await assertNoPendingMigrations(pool)
      const project = await resolveProject(db, args.project)
      return rotateProjectKey(db, project.id)
    })
    if (!this.jsonEnabled()) {
      this.log(`Rotated the key of project "${rotated.name}" (${rotated.id}); earlier keys no longer work.`)
      this.log(`New API key (shown once, store it now): ${rotated.api_key}`)
    }
    return rotated
  }
}
