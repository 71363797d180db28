import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ContinuaError } from '../errors.js'
import { Registry } from './definitions.js'

// Loads the user's workflow and activity definitions from a module: a .js/.mjs file directly,
// a .ts/.mts file through tsx. Every exported definition is registered.

export async function loadDefinitions(modulePaths: string[]): Promise<Registry> {
  const registry = new Registry()
  for (const given of modulePaths) {
    const file = path.resolve(given)
    if (!fs.existsSync(file)) throw new ContinuaError('invalid_request', `Workflow module ${given} does not exist`)
    let mod: Record<string, unknown>
    try {
      mod = /\.(c|m)?tsx?$/.test(file) ? await importTypeScript(file) : await import(pathToFileURL(file).href)
    } catch (err) {
      if (err instanceof ContinuaError) throw err
      throw new ContinuaError('invalid_request', `Could not load workflow module ${given}: ${(err as Error).message}`)
    }
    const found = Registry.fromModule(mod)
    for (const def of [...found.workflows.values(), ...found.activities.values()]) registry.add(def)
  }
  if (registry.workflows.size === 0 && registry.activities.size === 0) {
    throw new ContinuaError('invalid_request', `No workflow or activity definitions are exported by ${modulePaths.join(', ')}`)
  }
  return registry
}

async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  let api: { tsImport(specifier: string, parent: string): Promise<Record<string, unknown>> }
  try {
    api = (await import('tsx/esm/api')) as typeof api
  } catch {
    throw new ContinuaError('invalid_request', 'Loading a .ts workflow module needs the tsx package (npm install tsx), or compile it to .js first')
  }
  return api.tsImport(pathToFileURL(file).href, import.meta.url)
}
