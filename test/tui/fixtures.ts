import type { Span } from '../../src/contract/traces.js'

// Wire spans for TUI tests: a root, `stages` children, each with `perStage` leaves; every
// `failEvery`-th leaf failed.

const T0 = Date.parse('2026-01-01T00:00:00.000Z')
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

export function span(over: Partial<Span> & { span_id: string }): Span {
  return {
    id: uuid(Math.floor(Math.random() * 1e9)),
    trace_id: uuid(1),
    name: over.span_id,
    kind: 'CUSTOM',
    type: 'span',
    status: 'COMPLETED',
    level: 'DEFAULT',
    started_at: new Date(T0).toISOString(),
    ended_at: new Date(T0 + 1000).toISOString(),
    input_truncated: false,
    output_truncated: false,
    change_seq: 1,
    ...over,
  }
}

export function bigTrace(stages: number, perStage: number, failEvery = 0): Span[] {
  const out: Span[] = [span({ span_id: 'root', name: 'pipeline', kind: 'CHAIN', type: 'chain', ended_at: new Date(T0 + stages * perStage * 10 + 10).toISOString() })]
  let n = 0
  for (let s = 0; s < stages; s++) {
    const stageStart = T0 + s * perStage * 10
    out.push(span({ span_id: `stage-${s}`, parent_span_id: 'root', name: `stage_${s}`, kind: 'CHAIN', type: 'chain', started_at: new Date(stageStart).toISOString(), ended_at: new Date(stageStart + perStage * 10).toISOString() }))
    for (let i = 0; i < perStage; i++) {
      n++
      const failed = failEvery > 0 && n % failEvery === 0
      out.push(
        span({
          span_id: `leaf-${s}-${i}`,
          parent_span_id: `stage-${s}`,
          name: `call_${s}_${i}`,
          kind: 'LLM',
          type: 'llm',
          model: 'gpt-4o',
          tokens_in: 100 + i,
          tokens_out: 10,
          status: failed ? 'FAILED' : 'COMPLETED',
          error_message: failed ? `boom ${s}/${i}` : undefined,
          started_at: new Date(stageStart + i * 10).toISOString(),
          ended_at: new Date(stageStart + i * 10 + 9).toISOString(),
          input: { prompt: `record ${i}`, nested: { a: { b: { c: 1 } } } },
        }),
      )
    }
  }
  return out
}
