import { Flags } from '@oclif/core'
import { ApiCommand } from '../../src/cli/api-command.js'

export default class TracesList extends ApiCommand {
  static override summary = 'List traces, newest first'
  static override examples = ['<%= config.bin %> traces list --status failed', '<%= config.bin %> traces list --session 0d2e… --since 1h -o jsonl', '<%= config.bin %> traces list --search refund']
  static override flags = {
    status: Flags.string({ description: 'running, completed or failed', options: ['running', 'completed', 'failed'] }),
    session: Flags.string({ description: 'Only traces of this session (UUID)' }),
    search: Flags.string({ char: 'q', description: 'Full-text search over names, ids, user ids and span names' }),
    errors: Flags.boolean({ description: 'Only traces with errors' }),
    since: Flags.string({ description: 'Only traces started within this long (30s, 15m, 2h, 7d) or after this RFC 3339 time' }),
    limit: Flags.integer({ description: 'At most this many traces (1-1000)', default: 50, min: 1, max: 1000 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(TracesList)
    const client = await this.client(flags)
    const o = this.output(flags)
    const { sinceCutoff } = await import('../../src/cli/time.js')
    const since = flags.since ? new Date(sinceCutoff(flags.since)).toISOString() : undefined
    const page = await client.traces.list({ status: flags.status, session_id: flags.session, q: flags.search, has_errors: flags.errors || undefined, start_time_from: since, limit: flags.limit })
    const { tracesTable } = await import('../../src/trace-view/tables.js')
    this.emit(o, page, page.traces, () => (page.traces.length ? tracesTable(page.traces, o) : o.tty ? 'No traces match.\n' : ''))
  }
}
