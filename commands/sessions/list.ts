import { Flags } from '@oclif/core'
import { ApiCommand } from '../../src/cli/api-command.js'

export default class SessionsList extends ApiCommand {
  static override summary = 'List sessions (conversations that group traces), most recently active first'
  static override examples = ['<%= config.bin %> sessions list', '<%= config.bin %> sessions list --user alice -o json']
  static override flags = {
    search: Flags.string({ char: 'q', description: 'Search session ids, names and user ids' }),
    user: Flags.string({ description: 'Only sessions of this user id' }),
    limit: Flags.integer({ description: 'At most this many sessions (1-1000)', default: 50, min: 1, max: 1000 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(SessionsList)
    const client = await this.client(flags)
    const o = this.output(flags)
    const page = await client.sessions.list({ q: flags.search, user_id: flags.user, limit: flags.limit, sort_by: 'last_activity_at', sort_dir: 'desc' })
    const { sessionsTable } = await import('../../src/trace-view/tables.js')
    this.emit(o, page, page.sessions, () => (page.sessions.length ? sessionsTable(page.sessions, o) : o.tty ? 'No sessions match.\n' : ''))
  }
}
