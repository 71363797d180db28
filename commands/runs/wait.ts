import { Args, Flags } from '@oclif/core'
import { ApiCommand, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'
import { EXIT } from '../../src/errors.js'

export default class RunsWait extends ApiCommand {
  static override summary = 'Block until a run ends; exit 0 only if it completed (for CI)'
  static override description = 'Polls the run until it is terminal, then prints its result. Exit codes: 0 completed, 1 failed/cancelled/terminated/continued-as-new or --timeout reached, 3 no such run, 4 server unreachable.'
  static override examples = ['<%= config.bin %> runs wait 0b6f… --timeout 600', '<%= config.bin %> runs wait --instance-key order-42 --json']
  static override args = { run: Args.string(runArg) }
  static override flags = {
    ...runRefFlags,
    timeout: Flags.integer({ description: 'Give up after this many seconds (exit 1)', min: 1 }),
    interval: Flags.integer({ description: 'Milliseconds between polls', default: 500, min: 100 }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsWait)
    const client = await this.client(flags)
    const o = this.output(flags)
    const { isTerminal } = await import('../../src/cli/run-states.js')
    const id = await runIdOf(client, args.run, flags['instance-key'])
    const deadline = flags.timeout ? Date.now() + flags.timeout * 1000 : Number.POSITIVE_INFINITY
    let run = await client.runs.get(id)
    if (!isTerminal(run.status) && o.tty) this.note(`Waiting for run ${id} (${run.status})…`)
    while (!isTerminal(run.status)) {
      if (Date.now() > deadline) {
        this.note(`Error: run ${id} is still ${run.status} after ${flags.timeout}s`)
        return this.exit(EXIT.failed)
      }
      await new Promise((r) => setTimeout(r, flags.interval))
      run = await client.runs.get(id)
    }
    const result = await client.runs.result(id)
    this.emit(o, result, undefined, () =>
      result.status === 'COMPLETED' ? `${JSON.stringify(result.result)}\n` : `Run ${id} ended ${result.status}${result.failure ? `: ${result.failure.error_code}: ${result.failure.error_message}` : ''}\n`,
    )
    if (result.status !== 'COMPLETED') return this.exit(EXIT.failed)
  }
}
