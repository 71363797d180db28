import { createHash } from 'node:crypto'

// Derived `effect_id` / `wait_id` for effect and wait events that do not carry one.
//
// The id must be the same when the same workflow runs twice, so compare can pair the effects of a
// baseline and a candidate run. It therefore never includes the trace id, span ids (fresh per
// run), timestamps or the message. It is a hash of:
//   - the kind (effect | wait),
//   - the span name path: names from the root span down to the event's span, joined by " / "
//     (empty when the span is not known yet when the event is ingested),
//   - a discriminator: for effects, the event `sequence` when sent, otherwise the occurrence
//     number among effects with the same basis in the batch; waits use none, so the `entered` and
//     `resolved` events of one wait share an id,
//   - the normalised payload: keys sorted, reserved keys and `__continua_*` dropped, and for waits
//     the resolution fields (phase, resolution, resolved_*) dropped as well.

export const RESERVED_ID_KEY = { effect: 'effect_id', wait: 'wait_id' } as const
export type SemanticKind = keyof typeof RESERVED_ID_KEY

const WAIT_VOLATILE = new Set(['phase', 'resolution', 'resolved_at', 'resolved_by', 'resolved_value'])

export function isSemanticKind(kind: string): kind is SemanticKind {
  return kind === 'effect' || kind === 'wait'
}

/** The stable part of a payload, as canonical JSON. */
export function semanticBasis(kind: SemanticKind, payload: Record<string, unknown> | null | undefined): string {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const [k, v] of Object.entries(payload ?? {})) {
    if (k === 'effect_id' || k === 'wait_id' || k.startsWith('__continua')) continue
    if (kind === 'wait' && WAIT_VOLATILE.has(k)) continue
    out[k] = v
  }
  return canonicalJson(out)
}

export function deriveSemanticId(kind: SemanticKind, spanPath: string, discriminator: string, basis: string): string {
  const h = createHash('sha256')
  h.update(['continua-semantic-id', 'v2', kind, spanPath, discriminator, basis].join('\u001f'))
  return `${kind}_${h.digest('hex').slice(0, 32)}`
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k])
    return out
  }
  return value
}

/** The client-sent id when it is a non-empty string. */
export function clientSemanticId(kind: SemanticKind, payload: Record<string, unknown> | null | undefined): string | undefined {
  const v = payload?.[RESERVED_ID_KEY[kind]]
  return typeof v === 'string' && v.length > 0 ? v : undefined
}
