import { Args, Flags } from '@oclif/core'
import { ApiCommand, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'

export default class RunsHistory extends ApiCommand {
  static override summary = "Print a run's event history, paged; --follow keeps printing new events"
  static override examples = ['<%= config.bin %> runs history 0b6f…', '<%= config.bin %> runs history 0b6f… --after 20 --limit 50 -o jsonl', '<%= config.bin %> runs history --instance-key order-42 --follow']
  static override args = { run: Args.string(runArg) }
  static override flags = {
    ...runRefFlags,
    after: Flags.integer({ description: 'Start after this sequence number', default: 0, min: 0 }),
    limit: Flags.integer({ description: 'Events per page (1-1000); without --all or --follow only one page is printed', default: 100, min: 1, max: 1000 }),
    all: Flags.boolean({ description: 'Print every page' }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new events until the run ends' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsHistory)
    const client = await this.client(flags)
    const o = this.output(flags)
    const id = await runIdOf(client, args.run, flags['instance-key'])
    const { historyTable } = await import('../../src/cli/runs-view.js')
    const { TERMINAL_RUN_STATUSES } = await import('../../src/cli/run-states.js')
    let after = flags.after
    let header = true
    for (;;) {
      const page = await client.runs.history(id, after, flags.limit)
      if (o.format === 'json' && !flags.all && !flags.follow) return this.emit(o, page, undefined, () => '')
      if (page.events.length) {
        if (o.format === 'text') process.stdout.write(stripHeader(historyTable(page.events, o), !header && o.tty))
        else this.emit({ ...o, format: 'jsonl' }, page, page.events, () => '')
        header = false
      }
      after = page.next_after ?? after
      if (page.has_more && (flags.all || flags.follow)) continue
      if (page.has_more) this.note(`More events: --after ${after}`)
      if (!flags.follow) return
      const run = await client.runs.get(id)
      if ((TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status)) {
        const again = await client.runs.history(id, after, flags.limit)
        if (!again.events.length) return
        continue
      }
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
}

function stripHeader(table: string, strip: boolean): string {
  return strip ? table.slice(table.indexOf('\n') + 1) : table
}
