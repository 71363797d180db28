import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../src/cli/api-command.js'

export default class TraceInspect extends ApiCommand {
  static override summary = 'Show a trace as a span tree with status, durations, waterfall, model/tokens/cost and the primary error'
  static override description =
    'Accepts a trace UUID, an external trace id, or an engine run id (its trace is engine:<run id>). --events interleaves the timeline under each span, --span prints one span in full, --follow keeps printing spans as they arrive (SSE) until the trace ends.'
  static override examples = ['<%= config.bin %> trace inspect 4f0c…', '<%= config.bin %> trace inspect 4f0c… --events --failed', '<%= config.bin %> trace inspect 4f0c… --span call-llm-1', '<%= config.bin %> trace inspect 4f0c… -o json']
  static override args = { trace: Args.string({ required: true, description: 'Trace UUID, external trace id, or run id' }) }
  static override flags = {
    events: Flags.boolean({ description: 'Interleave the events timeline under its spans' }),
    span: Flags.string({ description: 'Print this span (span id) in full: input, output, metadata' }),
    failed: Flags.boolean({ description: 'Only failed spans and their ancestors' }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new and updated spans until the trace ends (Ctrl-C stops)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TraceInspect)
    const client = await this.client(flags)
    const o = this.output(flags)
    const trace = await client.traces.resolve(args.trace)
    const view = await import('../../src/trace-view/render-text.js')
    if (flags.span) {
      const spans = await client.traces.spans(trace.id, true)
      const span = spans.find((s) => s.span_id === flags.span || s.id === flags.span)
      if (!span) {
        const { ContinuaError } = await import('../../src/errors.js')
        throw new ContinuaError('not_found', `Trace ${trace.id} has no span ${flags.span}`)
      }
      return this.emit(o, span, undefined, () => view.renderSpan(span, o))
    }
    const [spans, events] = await Promise.all([client.traces.spans(trace.id, false), flags.events ? client.traces.allEvents(trace.id) : Promise.resolve(undefined)])
    const high = Math.max(trace.change_seq, ...spans.map((s) => s.change_seq))
    this.emit(o, { trace, spans, ...(events ? { events } : {}) }, [trace, ...spans, ...(events ?? [])], () => view.renderTrace(trace, spans, { output: o, events, failedOnly: flags.failed }))
    if (!flags.follow || trace.status !== 'RUNNING') return
    const abort = new AbortController()
    process.once('SIGINT', () => abort.abort())
    for await (const m of client.traces.stream(trace.id, abort.signal, high)) {
      if (m.kind === 'span') process.stdout.write(o.format === 'text' ? view.followLine(m.span, o) : JSON.stringify(m.span) + '\n')
      else if (m.kind === 'event' && flags.events) process.stdout.write(o.format === 'text' ? `  · ${m.event.timestamp.slice(11, 23)} ${m.event.event_type}${m.event.message ? ' ' + m.event.message : ''}\n` : JSON.stringify(m.event) + '\n')
      else if (m.kind === 'trace' && m.trace.status !== 'RUNNING') {
        if (o.format === 'text') process.stdout.write(`Trace ${m.trace.status.toLowerCase()}${m.trace.duration_ms !== undefined ? ` after ${m.trace.duration_ms} ms` : ''}\n`)
        else process.stdout.write(JSON.stringify(m.trace) + '\n')
        abort.abort()
        break
      }
    }
    await client.close()
  }
}
