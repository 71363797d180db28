import { Args, Flags } from '@oclif/core'
import { ApiCommand, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'

export default class RunsTerminate extends ApiCommand {
  static override summary = 'Terminate a run at once (no workflow code runs afterwards)'
  static override aliases = ['terminate']
  static override examples = ['<%= config.bin %> runs terminate 0b6f… --reason "stuck on a bad prompt"', '<%= config.bin %> terminate --instance-key order-42 --json']
  static override args = { run: Args.string(runArg) }
  static override flags = { ...runRefFlags, reason: Flags.string({ description: 'Why (sent to the server, printed with the result)' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsTerminate)
    const client = await this.client(flags)
    const o = this.output(flags)
    const id = await runIdOf(client, args.run, flags['instance-key'])
    const res = await client.runs.terminate(id, flags.reason)
    this.emit(o, res, undefined, () => `Run ${res.run_id} is ${res.status}${flags.reason ? ` (${flags.reason})` : ''}\n`)
  }
}
