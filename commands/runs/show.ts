import { Args } from '@oclif/core'
import { ApiCommand, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'

export default class RunsShow extends ApiCommand {
  static override summary = 'Show one run: status, what it waits on, pending work, result or failure, children, lineage'
  static override examples = ['<%= config.bin %> runs show 0b6f…', '<%= config.bin %> runs show --instance-key order-42 --json']
  static override args = { run: Args.string(runArg) }
  static override flags = { ...runRefFlags }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsShow)
    const client = await this.client(flags)
    const o = this.output(flags)
    const id = await runIdOf(client, args.run, flags['instance-key'])
    const [run, pending, children] = await Promise.all([client.runs.get(id), client.runs.pendingWork(id), client.runs.children(id)])
    const payload = { ...run, pending_work_detail: pending, children: children.runs }
    const { runDetail } = await import('../../src/cli/runs-view.js')
    this.emit(o, payload, undefined, () => runDetail(run, pending, children.runs, o))
  }
}
