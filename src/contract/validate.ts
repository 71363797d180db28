import type { z } from 'zod'
import { ContinuaError } from '../errors.js'

/** `spans[3].start_time` style path for an issue. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out ? `.${String(part)}` : String(part)
  }
  return out
}

export interface ValidationDetail {
  path: string
  message: string
}

/** Parses input with a schema, or throws a 400 `validation_error` naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const details: ValidationDetail[] = result.error.issues.map((issue) => ({
    path: formatIssuePath(issue.path),
    message: issue.message,
  }))
  const first = details[0]!
  const where = first.path ? `${first.path}: ` : `${what}: `
  throw new ContinuaError('validation_error', `${where}${first.message}`, details)
}
