import { Args, Flags } from '@oclif/core'
import { ApiClientCommand } from '../src/cli/api-command.js'
import { ContinuaError } from '../src/errors.js'

// A full-screen view has no output format: it takes the connection flags only.
export default class Tui extends ApiClientCommand {
  static override summary = 'Full-screen live debugger: runs, traces and sessions; span tree, waterfall, details; signal, cancel, terminate'
  static override description = 'Keys: arrows or j/k move, Enter opens, Esc goes back, / filters, : jumps to an id, f failed only, e first error, w marks two traces to compare, s/c/t signal/cancel/terminate a run, ? lists every key, q quits. See docs/tui.md.'
  static override examples = ['<%= config.bin %> tui', '<%= config.bin %> tui 4f0c…   # open this trace or run']
  static override args = { ref: Args.string({ description: 'Open this trace (UUID or external id) or run id at start' }) }
  static override flags = {
    'poll-interval': Flags.integer({ description: 'Milliseconds between list refreshes when the server\'s change stream is unavailable', default: 2000, min: 250 }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Tui)
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new ContinuaError('invalid_request', 'continua tui needs a terminal; for scripts use `continua runs list` / `continua trace inspect` with -o json')
    const client = await this.client(flags)
    // Ink renders only the final frame when it believes it runs in CI (CI=true); this command has
    // just checked that it talks to a real terminal, so it must draw interactively regardless.
    delete process.env.CI
    delete process.env.CONTINUOUS_INTEGRATION
    const { runTui } = await import('../tui/index.js')
    await runTui({ client, server: client.http.target.url, initialRef: args.ref, pollMs: flags['poll-interval'] })
  }
}
