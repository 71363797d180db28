import type { EventKind, EventLevel } from './types.js'

// Builders for the 11 event kinds. Reserved fields are checked (non-empty where the kind needs
// them) and merged over the caller's payload, so a payload can never shadow them.

export interface BuiltEvent {
  event_type: EventKind
  level: EventLevel
  message?: string
  payload?: Record<string, unknown>
  idempotency_key?: string
}

function required(kind: string, field: string, value: unknown): void {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    throw new TypeError(`${kind} event: ${field} must not be empty`)
  }
}

function build(kind: EventKind, level: EventLevel, message: string | undefined, payload: Record<string, unknown> | undefined, reserved: Record<string, unknown>): BuiltEvent {
  const merged: Record<string, unknown> = { ...(payload ?? {}) }
  for (const [k, v] of Object.entries(reserved)) if (v !== undefined) merged[k] = v
  const out: BuiltEvent = { event_type: kind, level }
  if (message !== undefined) out.message = message
  if (Object.keys(merged).length) out.payload = merged
  return out
}

export interface EventOptions {
  message?: string
  payload?: Record<string, unknown>
  level?: EventLevel
}

export const events = {
  log: (message: string, o: { level?: EventLevel; payload?: Record<string, unknown> } = {}) => build('log', o.level ?? 'info', message, o.payload, {}),
  error: (message: string, o: { payload?: Record<string, unknown> } = {}) => build('error', 'error', message, o.payload, {}),
  exception(err: unknown, o: { payload?: Record<string, unknown>; message?: string } = {}) {
    const e = err instanceof Error ? err : new Error(String(err))
    return build('exception', 'error', o.message ?? e.message, o.payload, {
      exception_type: e.name || 'Error',
      exception_message: e.message,
      traceback: e.stack ?? `${e.name}: ${e.message}`,
    })
  },
  message: (message: string, o: EventOptions = {}) => build('message', o.level ?? 'info', message, o.payload, {}),
  metric(name: string, value: number, o: { unit?: string; payload?: Record<string, unknown>; message?: string } = {}) {
    required('metric', 'metric_name', name)
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError('metric event: metric_value must be a finite number')
    return build('metric', 'info', o.message, o.payload, { metric_name: name, metric_value: value, metric_unit: o.unit })
  },
  custom: (payload: Record<string, unknown>, o: EventOptions = {}) => build('custom', o.level ?? 'info', o.message, payload, {}),
  stateChange(key: string, oldValue: unknown, newValue: unknown, o: { namespace?: string; message?: string; payload?: Record<string, unknown> } = {}) {
    required('state_change', 'key', key)
    return build('state_change', 'info', o.message, o.payload, { key, namespace: o.namespace, old_value: oldValue ?? null, new_value: newValue ?? null })
  },
  decision(question: string, chosen: unknown, o: { alternatives?: unknown[]; reasoning?: string; message?: string; payload?: Record<string, unknown> } = {}) {
    required('decision', 'question', question)
    required('decision', 'chosen', chosen)
    return build('decision', 'info', o.message, o.payload, { question, chosen, alternatives: o.alternatives, reasoning: o.reasoning })
  },
  effect(
    kind: string,
    o: { hasExternalSideEffect?: boolean; effectId?: string; idempotent?: boolean; idempotencyKey?: string; message?: string; payload?: Record<string, unknown> } = {},
  ) {
    required('effect', 'effect_kind', kind)
    return build('effect', 'info', o.message, o.payload, {
      effect_kind: kind,
      has_external_side_effect: o.hasExternalSideEffect ?? true,
      effect_id: o.effectId,
      idempotent: o.idempotent,
      idempotency_key: o.idempotencyKey,
    })
  },
  wait(kind: string, phase: 'entered' | 'resolved', o: { waitId?: string; resolution?: string; message?: string; payload?: Record<string, unknown> } = {}) {
    required('wait', 'wait_kind', kind)
    if (phase !== 'entered' && phase !== 'resolved') throw new TypeError('wait event: phase must be entered or resolved')
    return build('wait', 'info', o.message, o.payload, { wait_kind: kind, phase, wait_id: o.waitId, resolution: o.resolution })
  },
  snapshotMarker(label: string, o: { markerKind?: string; message?: string; payload?: Record<string, unknown> } = {}) {
    required('snapshot_marker', 'label', label)
    return build('snapshot_marker', 'info', o.message, o.payload, { marker_kind: o.markerKind ?? 'milestone', label })
  },
}
