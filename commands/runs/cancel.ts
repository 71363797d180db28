import { Args } from '@oclif/core'
import { ApiCommand, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'

export default class RunsCancel extends ApiCommand {
  static override summary = 'Ask a run to cancel (its workflow code sees the cancellation and may clean up)'
  static override aliases = ['cancel']
  static override examples = ['<%= config.bin %> runs cancel 0b6f…', '<%= config.bin %> cancel --instance-key order-42']
  static override args = { run: Args.string(runArg) }
  static override flags = { ...runRefFlags }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsCancel)
    const client = await this.client(flags)
    const o = this.output(flags)
    const id = await runIdOf(client, args.run, flags['instance-key'])
    const res = await client.runs.cancel(id)
    this.emit(o, res, undefined, () => `Cancellation ${res.accepted ? 'requested for' : 'not accepted by'} run ${res.run_id}\n`)
  }
}
