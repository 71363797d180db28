import { z } from 'zod'

// Request shapes of /v1/engine/*, wire-compatible with the reference control plane.

const nonBlank = (max: number) => z.string({ error: 'expected a string' }).trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`)

export const EngineStartRunRequest = z.object({
  instance_key: nonBlank(512),
  definition_name: nonBlank(200),
  definition_version: nonBlank(200),
  request_key: nonBlank(512),
  input: z.unknown().optional(),
  /** Signal-with-start (Continua extension): signal the new run, or the instance's open run. */
  signal: z.object({ signal_name: nonBlank(256), payload: z.unknown().optional() }).optional(),
  session: z.object({ key: z.string().optional(), name: z.string().optional(), metadata: z.record(z.string(), z.unknown()).optional() }).optional(),
  trace: z
    .object({
      name: z.string().optional(),
      user_id: z.string().optional(),
      tags: z.array(z.string()).optional(),
      environment: z.string().optional(),
      release: z.string().optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
})

export const EngineSignalRunRequest = z.object({
  signal_name: nonBlank(256),
  payload: z.unknown().optional(),
  /** Continua extension: a retried signal with the same key is delivered once. */
  request_key: nonBlank(512).optional(),
})

const workerId = nonBlank(128)

export const EngineClaimRequest = z.object({
  worker_id: workerId,
  activity_types: z.array(nonBlank(256)).min(1, 'must list at least one activity type').max(50, 'at most 50 activity types'),
  lease_duration: z.string().optional(),
  max_tasks: z.number({ error: 'expected a whole number' }).int('expected a whole number').min(1).max(50).optional(),
})

export const EngineHeartbeatRequest = z.object({ worker_id: workerId })

export const EngineCompleteRequest = z.object({
  worker_id: workerId,
  output: z.unknown(),
})

export const EngineFailRequest = z.object({
  worker_id: workerId,
  error_code: nonBlank(128),
  error_message: z.string().max(4096, 'must be at most 4096 characters'),
  non_retryable: z.boolean().optional().default(false),
})

export const EngineHistoryQuery = z.object({
  after: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(0, 'must be >= 0').default(0),
  limit: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'must be >= 1').max(1000, 'must be <= 1000').default(100),
})

export const ENGINE_RUN_STATUSES = ['queued', 'running', 'waiting', 'suspended', 'quarantined', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new'] as const

export const EngineRunsQuery = z.object({
  status: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(ENGINE_RUN_STATUSES, { error: `expected one of ${ENGINE_RUN_STATUSES.join(', ')}` }))
    .optional(),
  definition_name: z.string().min(1).max(200).optional(),
  instance_key: z.string().min(1).max(512).optional(),
  parent_run_id: z.uuid({ error: 'expected a UUID' }).optional(),
  limit: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'must be >= 1').max(200, 'must be <= 200').default(50),
  cursor: z.string().max(200).optional(),
  project_id: z.string().optional(),
})

export const EngineTerminateRequest = z.object({
  reason: z.string({ error: 'reason must be a string' }).trim().min(1, 'reason must not be empty').max(1024, 'reason must be at most 1024 characters').optional(),
})

export const EnginePurgeRequest = z.object({
  mode: z.enum(['projection_only', 'full'], { error: 'expected projection_only or full' }),
})

export const ENGINE_PROJECTION_STATES = ['up_to_date', 'catching_up', 'summary_only', 'journal_expired'] as const

export const EngineBackfillRequest = z.object({
  dry_run: z.boolean({ error: 'expected true or false' }).optional().default(false),
  limit: z.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'must be >= 1').max(100, 'must be <= 100').optional().default(50),
  older_than: z.iso.datetime({ offset: true, error: 'expected an RFC 3339 date-time' }).optional(),
  engine_instance_key: z.string().min(1).max(512).optional(),
  engine_definition_name: z.string().min(1).max(200).optional(),
  engine_run_status: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(ENGINE_RUN_STATUSES, { error: `expected one of ${ENGINE_RUN_STATUSES.join(', ')}` }))
    .optional(),
  engine_projection_state: z.enum(ENGINE_PROJECTION_STATES, { error: `expected one of ${ENGINE_PROJECTION_STATES.join(', ')}` }).optional().default('summary_only'),
})
