import type { WorkflowContext } from './context.js'
import type { ActivityOptions } from './types.js'

// The authoring surface: definitions are plain values carrying their types, so
// `ctx.activity(summarize, input)` and `ctx.child(flow, input)` are typed at the call site.

export interface ActivityContext {
  /** 1 on the first attempt. */
  readonly attempt: number
  /** Stable across attempts of the same scheduled activity; use it to make side effects idempotent. */
  readonly idempotencyKey: string
  readonly activityType: string
  readonly runId: string
  /** Fires on cancel, timeout or lost lease. */
  readonly signal: AbortSignal
  heartbeat(details?: unknown): void
}

export type WorkflowFn<I, O> = (ctx: WorkflowContext, input: I) => Promise<O>
export type ActivityFn<I, O> = (input: I, actx: ActivityContext) => Promise<O>

export interface WorkflowDefinition<I = unknown, O = unknown> {
  readonly kind: 'workflow'
  readonly name: string
  readonly version: string
  readonly fn: WorkflowFn<I, O>
}

export interface ActivityDefinition<I = unknown, O = unknown> {
  readonly kind: 'activity'
  readonly type: string
  readonly fn: ActivityFn<I, O>
  readonly defaults: ActivityOptions
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/

function checkName(what: string, value: string): void {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new TypeError(`${what} must be 1-200 letters, digits, '.', '_', ':' or '-', got ${JSON.stringify(value)}`)
  }
}

export function defineWorkflow<I = unknown, O = unknown>(
  meta: { name: string; version: string },
  fn: WorkflowFn<I, O>,
): WorkflowDefinition<I, O> {
  checkName('workflow name', meta.name)
  checkName('workflow version', meta.version)
  if (typeof fn !== 'function') throw new TypeError('defineWorkflow needs a function')
  return Object.freeze({ kind: 'workflow', name: meta.name, version: meta.version, fn })
}

export function defineActivity<I = unknown, O = unknown>(
  type: string,
  fn: ActivityFn<I, O>,
  defaults: ActivityOptions = {},
): ActivityDefinition<I, O> {
  checkName('activity type', type)
  if (typeof fn !== 'function') throw new TypeError('defineActivity needs a function')
  return Object.freeze({ kind: 'activity', type, fn, defaults: Object.freeze({ ...defaults }) })
}

export const workflowKey = (name: string, version: string) => `${name}@${version}`

/** What one worker can run. Built from a user module's exports. */
export class Registry {
  readonly workflows = new Map<string, WorkflowDefinition<any, any>>()
  readonly activities = new Map<string, ActivityDefinition<any, any>>()

  constructor(defs: Iterable<WorkflowDefinition<any, any> | ActivityDefinition<any, any>> = []) {
    for (const def of defs) this.add(def)
  }

  add(def: WorkflowDefinition<any, any> | ActivityDefinition<any, any>): this {
    if (def.kind === 'workflow') {
      const key = workflowKey(def.name, def.version)
      if (this.workflows.has(key) && this.workflows.get(key) !== def) throw new Error(`workflow ${key} is defined twice`)
      this.workflows.set(key, def)
    } else {
      if (this.activities.has(def.type) && this.activities.get(def.type) !== def) throw new Error(`activity ${def.type} is defined twice`)
      this.activities.set(def.type, def)
    }
    return this
  }

  workflow(name: string, version: string): WorkflowDefinition<any, any> | undefined {
    return this.workflows.get(workflowKey(name, version))
  }

  /** Collects every definition exported by a module (top level, or inside arrays/objects one level down). */
  static fromModule(mod: Record<string, unknown>): Registry {
    const registry = new Registry()
    const visit = (value: unknown, depth: number) => {
      if (!value || typeof value !== 'object') return
      const kind = (value as { kind?: unknown }).kind
      if ((kind === 'workflow' || kind === 'activity') && typeof (value as { fn?: unknown }).fn === 'function') {
        registry.add(value as WorkflowDefinition | ActivityDefinition)
        return
      }
      if (depth > 0) for (const v of Object.values(value)) visit(v, depth - 1)
    }
    for (const v of Object.values(mod)) visit(v, 1)
    return registry
  }
}
