import { Args } from '@oclif/core'
import { ApiCommand, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'

export default class RunsSuspend extends ApiCommand {
  static override summary = 'Suspend a run: it stops making progress until resumed'
  static override examples = ['<%= config.bin %> runs suspend 0b6f…', '<%= config.bin %> runs suspend --instance-key order-42 --json']
  static override args = { run: Args.string(runArg) }
  static override flags = { ...runRefFlags }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsSuspend)
    const client = await this.client(flags)
    const o = this.output(flags)
    const id = await runIdOf(client, args.run, flags['instance-key'])
    const run = await client.runs.suspend(id)
    this.emit(o, run, undefined, () => `Run ${run.run_id} is ${run.status}\n`)
  }
}
