import { AsyncLocalStorage } from 'node:async_hooks'

// Workflow code runs inside an AsyncLocalStorage scope. Wall-clock time, randomness and timers
// are patched once, process-wide, to refuse inside that scope, so accidental non-determinism is
// caught the first time it runs instead of at some later replay. Outside the scope they behave
// exactly as before.

export interface GuardedScope {
  violate(what: string): never
}

export const workflowScope = new AsyncLocalStorage<GuardedScope>()

let installed = false

export function installDeterminismGuards(): void {
  if (installed) return
  installed = true
  const realNow = Date.now
  Date.now = function now() {
    workflowScope.getStore()?.violate('Date.now() (use ctx.now())')
    return realNow.call(Date)
  }
  const realRandom = Math.random
  Math.random = function random() {
    workflowScope.getStore()?.violate('Math.random() (use ctx.random())')
    return realRandom.call(Math)
  }
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const name of ['setTimeout', 'setInterval', 'setImmediate'] as const) {
    const real = g[name]!
    const guarded = function (this: unknown, ...args: unknown[]) {
      workflowScope.getStore()?.violate(`${name}() (use ctx.sleep())`)
      return real.apply(this, args)
    }
    // Keep util.promisify.custom and friends working.
    for (const key of Reflect.ownKeys(real)) {
      if (key === 'length' || key === 'name' || key === 'prototype') continue
      Object.defineProperty(guarded, key, Object.getOwnPropertyDescriptor(real, key)!)
    }
    g[name] = guarded
  }
}
