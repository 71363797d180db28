import { Flags } from '@oclif/core'
import { ApiCommand } from '../../src/cli/api-command.js'

export default class RunsList extends ApiCommand {
  static override summary = 'List runs, newest first'
  static override description = 'Lists engine runs on the server, filtered by status, definition, instance key and age. --watch redraws the table in place every few seconds on a terminal.'
  static override examples = ['<%= config.bin %> runs list --status waiting', '<%= config.bin %> runs list --definition approval --since 1h -o json', '<%= config.bin %> runs list --watch']
  static override flags = {
    status: Flags.string({ description: 'Only runs in this status (queued, running, waiting, suspended, completed, failed, cancelled, terminated, …)' }),
    definition: Flags.string({ description: 'Only runs of this workflow definition' }),
    'instance-key': Flags.string({ description: 'Only runs of this instance key' }),
    since: Flags.string({ description: 'Only runs created within this long (30s, 15m, 2h, 7d) or after this RFC 3339 time' }),
    limit: Flags.integer({ description: 'At most this many runs (1-1000)', default: 50, min: 1, max: 1000 }),
    watch: Flags.boolean({ char: 'w', description: 'Refresh in place until interrupted' }),
    interval: Flags.integer({ description: 'Seconds between refreshes with --watch', default: 2, min: 1 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(RunsList)
    const client = await this.client(flags)
    const o = this.output(flags)
    const { runsTable } = await import('../../src/cli/runs-view.js')
    const { sinceCutoff } = await import('../../src/cli/time.js')
    const cutoff = flags.since ? sinceCutoff(flags.since) : undefined
    const fetch = async () => {
      const runs = []
      let cursor: string | undefined
      let next: string | null = null
      while (runs.length < flags.limit) {
        const page = await client.runs.list({ status: flags.status, definition: flags.definition, instanceKey: flags['instance-key'], limit: Math.min(200, flags.limit - runs.length), cursor })
        next = page.next_cursor
        let done = !page.next_cursor
        for (const r of page.runs) {
          if (cutoff !== undefined && Date.parse(r.created_at) < cutoff) {
            done = true
            next = null
            break
          }
          runs.push(r)
        }
        if (done) break
        cursor = page.next_cursor!
      }
      return { runs, next_cursor: next }
    }
    const draw = async () => {
      const page = await fetch()
      const { runs } = page
      if (o.format !== 'text') return this.emit(o, page, runs, () => '')
      return runs.length ? runsTable(runs, o) : o.tty ? 'No runs match.\n' : ''
    }
    if (!flags.watch) {
      const text = await draw()
      if (text) process.stdout.write(text)
      return
    }
    // Watch: on a terminal redraw in place (cursor home + clear), piped append one snapshot per tick.
    for (;;) {
      const text = await draw()
      if (text) process.stdout.write(o.tty ? `\u001b[H\u001b[2J${new Date().toISOString()}  every ${flags.interval}s, Ctrl-C to stop\n\n${text}` : text)
      await new Promise((r) => setTimeout(r, flags.interval * 1000))
    }
  }
}
