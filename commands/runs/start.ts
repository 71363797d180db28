import { Args, Flags } from '@oclif/core'
import { ApiCommand, readJsonArg } from '../../src/cli/api-command.js'
import { ContinuaError } from '../../src/errors.js'

export default class RunsStart extends ApiCommand {
  static override summary = 'Start a run of a workflow definition'
  static override description =
    'Starts a run. The definition version defaults to the newest one a live worker registered. --request-key makes a retried start return the same run instead of a second one; --instance-key names the run (default: a fresh key).'
  static override examples = [
    `<%= config.bin %> runs start approval --input '{"timeout":"1h"}' --instance-key order-42`,
    '<%= config.bin %> runs start research --input @input.json --request-key ci-$BUILD_ID --json',
  ]
  static override args = { definition: Args.string({ required: true, description: 'Workflow definition name' }) }
  static override flags = {
    input: Flags.string({ char: 'i', description: 'Input as JSON, or @file containing JSON' }),
    'instance-key': Flags.string({ description: 'Instance key naming the run (default: <definition>-<random>)' }),
    'request-key': Flags.string({ description: 'Idempotency key: the same key returns the same run (default: random)' }),
    'definition-version': Flags.string({ description: 'Definition version (default: newest registered)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsStart)
    const input = await readJsonArg(flags.input, '--input')
    const client = await this.client(flags)
    const o = this.output(flags)
    let version = flags['definition-version']
    if (!version) {
      const defs = (await client.runs.definitions()).definitions.filter((d) => d.definition_name === args.definition)
      if (!defs.length) throw new ContinuaError('definition_not_registered', `No worker has registered a workflow named ${args.definition}; start one with \`continua worker --workflows <module>\` or pass --definition-version`)
      const live = defs.filter((d) => d.live)
      version = (live.length ? live : defs).map((d) => d.definition_version).sort(compareVersions).at(-1)!
    }
    const { randomUUID } = await import('node:crypto')
    const started = await client.runs.start({
      definition_name: args.definition,
      definition_version: version,
      instance_key: flags['instance-key'] ?? `${args.definition}-${randomUUID()}`,
      request_key: flags['request-key'] ?? randomUUID(),
      input,
    })
    this.emit(o, started, undefined, () => (o.tty ? `Started run ${started.run_id} (instance ${started.instance_key}, trace ${started.trace_id})\n` : `${started.run_id}\t${started.instance_key}\t${started.trace_id}\n`))
  }
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true })
}
