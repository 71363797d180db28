// Errors with a stable string code. One table maps each code to its HTTP status and CLI exit
// code, so the server's error middleware and the CLI's error handler never disagree.

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  unreachable: 4,
} as const

interface CodeSpec {
  readonly http: number
  readonly exit: number
}

const CODES = {
  invalid_json: { http: 400, exit: EXIT.usage },
  invalid_request: { http: 400, exit: EXIT.usage },
  validation_error: { http: 400, exit: EXIT.usage },
  invalid_name: { http: 400, exit: EXIT.usage },
  invalid_project_id: { http: 400, exit: EXIT.usage },
  missing_project_id: { http: 400, exit: EXIT.usage },
  invalid_setting: { http: 400, exit: EXIT.usage },
  invalid_cursor: { http: 400, exit: EXIT.usage },
  unsupported_async_version: { http: 400, exit: EXIT.usage },
  invalid_compare_request: { http: 400, exit: EXIT.usage },
  missing_credentials: { http: 401, exit: EXIT.unreachable },
  missing_api_key: { http: 401, exit: EXIT.unreachable },
  invalid_api_key: { http: 401, exit: EXIT.unreachable },
  invalid_token: { http: 401, exit: EXIT.unreachable },
  operator_required: { http: 403, exit: EXIT.unreachable },
  api_key_required: { http: 403, exit: EXIT.unreachable },
  project_scope_mismatch: { http: 403, exit: EXIT.unreachable },
  forbidden_operator: { http: 403, exit: EXIT.unreachable },
  missing_operator_email: { http: 403, exit: EXIT.unreachable },
  demo_read_only: { http: 403, exit: EXIT.unreachable },
  operator_auth_unavailable: { http: 503, exit: EXIT.unreachable },
  not_found: { http: 404, exit: EXIT.notFound },
  project_not_found: { http: 404, exit: EXIT.notFound },
  key_not_found: { http: 404, exit: EXIT.notFound },
  trace_not_found: { http: 404, exit: EXIT.notFound },
  session_not_found: { http: 404, exit: EXIT.notFound },
  batch_not_found: { http: 404, exit: EXIT.notFound },
  payload_not_found: { http: 404, exit: EXIT.notFound },
  method_not_allowed: { http: 405, exit: EXIT.usage },
  conflict: { http: 409, exit: EXIT.failed },
  definition_not_registered: { http: 400, exit: EXIT.usage },
  ambiguous_instance_key: { http: 400, exit: EXIT.usage },
  run_not_found: { http: 404, exit: EXIT.notFound },
  instance_not_found: { http: 404, exit: EXIT.notFound },
  activity_task_not_found: { http: 404, exit: EXIT.notFound },
  instance_conflict: { http: 409, exit: EXIT.failed },
  request_in_progress: { http: 409, exit: EXIT.failed },
  run_terminal: { http: 409, exit: EXIT.failed },
  run_not_terminal: { http: 409, exit: EXIT.failed },
  run_not_suspendable: { http: 409, exit: EXIT.failed },
  activity_task_conflict: { http: 409, exit: EXIT.failed },
  batch_key_conflict: { http: 409, exit: EXIT.failed },
  default_project_protected: { http: 409, exit: EXIT.failed },
  payload_too_large: { http: 413, exit: EXIT.usage },
  comparison_too_large: { http: 422, exit: EXIT.usage },
  unsupported_media_type: { http: 415, exit: EXIT.usage },
  rate_limited: { http: 429, exit: EXIT.failed },
  internal_error: { http: 500, exit: EXIT.failed },
  database_unavailable: { http: 503, exit: EXIT.unreachable },
  pending_migrations: { http: 503, exit: EXIT.failed },
  server_unreachable: { http: 503, exit: EXIT.unreachable },
} as const satisfies Record<string, CodeSpec>

export type ErrorCode = keyof typeof CODES

export class ContinuaError extends Error {
  override readonly name = 'ContinuaError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  get httpStatus(): number {
    return CODES[this.code].http
  }

  get exitCode(): number {
    return CODES[this.code].exit
  }
}

export function isContinuaError(err: unknown): err is ContinuaError {
  return err instanceof Error && err.name === 'ContinuaError' && typeof (err as ContinuaError).code === 'string'
}

export function httpStatusFor(code: ErrorCode): number {
  return CODES[code].http
}

export function exitCodeFor(code: ErrorCode): number {
  return CODES[code].exit
}

export const ERROR_CODES = Object.keys(CODES) as ErrorCode[]
