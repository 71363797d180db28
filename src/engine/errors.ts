// Errors a workflow can see and catch. Each has a stable string `code`, so code that catches
// them can branch without instanceof across module copies.

export class WorkflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Thrown into the pending await of a workflow whose run was cancelled. Catch it to clean up. */
export class CancelledError extends WorkflowError {
  override readonly name = 'CancelledError'
  constructor(message = 'The run was cancelled') {
    super('cancelled', message)
  }
}

/** An activity failed for good (retries exhausted or a non-retryable error). */
export class ActivityFailure extends WorkflowError {
  override readonly name = 'ActivityFailure'
  constructor(
    code: string,
    message: string,
    readonly activityType: string,
    readonly attempts: number,
  ) {
    super(code, message)
  }
}

/** A child workflow ended other than completed. `status` says how. */
export class ChildWorkflowFailure extends WorkflowError {
  override readonly name = 'ChildWorkflowFailure'
  constructor(
    code: string,
    message: string,
    readonly childRunId: string | null,
    readonly status: 'failed' | 'cancelled' | 'terminated' | 'start_failed',
  ) {
    super(code, message)
  }
}

/** Workflow code did something replay cannot reproduce; the run is quarantined. */
export class DeterminismViolation extends WorkflowError {
  override readonly name = 'DeterminismViolation'
  constructor(message: string) {
    super('determinism_violation', message)
  }
}

/** Throw from an activity to fail it without retries. */
export class NonRetryableError extends WorkflowError {
  override readonly name = 'NonRetryableError'
  constructor(message: string, code = 'non_retryable') {
    super(code, message)
  }
}

/** Internal: unwinds the workflow function on continueAsNew. */
export class ContinueAsNewSignal extends Error {
  override readonly name = 'ContinueAsNewSignal'
  constructor(readonly input: unknown) {
    super('continue-as-new')
  }
}

export function errorCodeOf(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && code.length > 0 && code.length <= 128 ? code : fallback
}

export function errorMessageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.slice(0, 4096)
}
