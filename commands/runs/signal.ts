import { Args, Flags } from '@oclif/core'
import { ApiCommand, readJsonArg, runArg, runIdOf, runRefFlags } from '../../src/cli/api-command.js'

export default class RunsSignal extends ApiCommand {
  static override summary = 'Send a signal (name + JSON payload) to a run'
  static override aliases = ['signal']
  static override examples = [`<%= config.bin %> runs signal 0b6f… approve --payload '{"ok":true}'`, `<%= config.bin %> signal --instance-key order-42 approve --payload @decision.json`]
  static override args = { run: Args.string(runArg), name: Args.string({ description: 'Signal name' }) }
  static override flags = {
    ...runRefFlags,
    payload: Flags.string({ char: 'p', description: 'Payload as JSON, or @file containing JSON' }),
    'request-key': Flags.string({ description: 'Deliver once: a retry with the same key replays the first answer' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsSignal)
    // With --instance-key the single positional argument is the signal name.
    const [runId, name] = flags['instance-key'] && !args.name ? [undefined, args.run] : [args.run, args.name]
    if (!name) {
      const { ContinuaError } = await import('../../src/errors.js')
      throw new ContinuaError('invalid_request', 'Missing the signal name: continua runs signal <run> <name> [--payload <json>]')
    }
    const payload = await readJsonArg(flags.payload, '--payload')
    const client = await this.client(flags)
    const o = this.output(flags)
    const id = await runIdOf(client, runId, flags['instance-key'])
    const res = await client.runs.signal(id, name, payload ?? null, flags['request-key'])
    this.emit(o, res, undefined, () => `Signal ${name} ${res.accepted ? 'delivered to' : 'not accepted by'} run ${res.run_id}\n`)
  }
}
