import { Args } from '@oclif/core'
import { ApiCommand } from '../../src/cli/api-command.js'

export default class TraceDiff extends ApiCommand {
  static override summary = 'Compare two traces of one session: span by span, with token/cost/duration deltas'
  static override examples = ['<%= config.bin %> trace diff 4f0c… 9a1d…', '<%= config.bin %> trace diff 4f0c… 9a1d… --json']
  static override args = {
    baseline: Args.string({ required: true, description: 'Baseline trace (UUID, external id or run id)' }),
    candidate: Args.string({ required: true, description: 'Candidate trace (UUID, external id or run id)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TraceDiff)
    const client = await this.client(flags)
    const o = this.output(flags)
    const [a, b] = await Promise.all([client.traces.resolve(args.baseline), client.traces.resolve(args.candidate)])
    const { ContinuaError } = await import('../../src/errors.js')
    if (!a.session_id || a.session_id !== b.session_id) throw new ContinuaError('invalid_compare_request', 'Both traces must belong to the same session to be compared')
    const diff = await client.traces.compare(a.session_id, a.id, b.id)
    const { renderDiff } = await import('../../src/trace-view/render-diff.js')
    this.emit(o, diff, diff.span_diffs, () => renderDiff(diff, o))
  }
}
