// Public surface of the `continua` package. The durable engine's authoring API lands here.
export { VERSION } from './version.js'
export { ContinuaError, type ErrorCode } from './errors.js'
export { loadConfig, type ContinuaConfig } from './config.js'
export { defineWorkflow, defineActivity, Registry, type WorkflowDefinition, type ActivityDefinition, type ActivityContext } from './engine/definitions.js'
export { WorkflowContext, type Duration } from './engine/context.js'
export { CancelledError, ActivityFailure, ChildWorkflowFailure, DeterminismViolation, NonRetryableError, WorkflowError } from './engine/errors.js'
export type { ActivityOptions, RetryPolicy, ChildOptions, ParentClosePolicy } from './engine/types.js'
export { TestEnvironment } from './engine/testing.js'
