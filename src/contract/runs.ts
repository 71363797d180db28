import { z } from 'zod'
import { ENGINE_RUN_STATUSES } from './engine.js'

// Response shapes of /v1/engine/* as the CLI and TUI read them (src/engine/queries.ts writes
// them). Loose objects: the server may add fields without breaking older clients.

const isoTime = z.iso.datetime({ offset: true })
export const RUN_STATUSES_UPPER = ENGINE_RUN_STATUSES.map((s) => s.toUpperCase()) as Uppercase<(typeof ENGINE_RUN_STATUSES)[number]>[]
export const TERMINAL_RUN_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW'] as const

export const RunFailure = z.looseObject({ error_code: z.string(), error_message: z.string(), status: z.string() })

export const RunSummary = z
  .looseObject({
    run_id: z.uuid(),
    instance_id: z.string(),
    instance_key: z.string(),
    definition_name: z.string(),
    definition_version: z.string(),
    status: z.string(),
    run_number: z.number().int(),
    pending_work: z.object({ pending_activity_tasks: z.number().int(), pending_inbox_items: z.number().int() }),
    root_run_id: z.string(),
    child_depth: z.number().int(),
    created_at: isoTime,
    updated_at: isoTime,
    completed_at: isoTime.optional(),
    wait_state: z.unknown().optional(),
    custom_status: z.unknown().optional(),
    parent_run_id: z.string().optional(),
    continued_from_run_id: z.string().optional(),
    continued_to_run_id: z.string().optional(),
    result: z.unknown().optional(),
    failure: RunFailure.optional(),
  })
  .meta({ id: 'RunSummary' })
export type RunSummary = z.infer<typeof RunSummary>

export const RunList = z.object({ runs: z.array(RunSummary), next_cursor: z.string().nullable() }).meta({ id: 'RunList' })
export type RunList = z.infer<typeof RunList>

export const HistoryEvent = z.looseObject({ id: z.union([z.string(), z.number()]), sequence_no: z.number().int(), event_type: z.string(), payload: z.unknown(), created_at: isoTime })
export type HistoryEvent = z.infer<typeof HistoryEvent>

export const RunHistoryPage = z
  .object({ events: z.array(HistoryEvent), has_more: z.boolean(), expired: z.boolean(), next_after: z.number().int().optional() })
  .meta({ id: 'RunHistoryPage' })
export type RunHistoryPage = z.infer<typeof RunHistoryPage>

export const PendingWork = z
  .looseObject({
    run_id: z.string(),
    current_wait: z.unknown(),
    activities: z.array(z.looseObject({ activity_type: z.string(), status: z.string(), attempt_count: z.number().int() })),
    timers: z.array(z.looseObject({ timer_key: z.string(), available_at: isoTime })),
    signals: z.array(z.looseObject({ signal_name: z.string() })),
    pending_activity_tasks: z.number().int(),
    pending_inbox_items: z.number().int(),
  })
  .meta({ id: 'PendingWork' })
export type PendingWork = z.infer<typeof PendingWork>

export const StartRunResponse = z.object({ run_id: z.uuid(), instance_key: z.string(), trace_id: z.string() }).meta({ id: 'StartRunResponse' })
export type StartRunResponse = z.infer<typeof StartRunResponse>

export const ControlResponse = z.object({ run_id: z.string(), instance_key: z.string(), accepted: z.boolean(), wake_applied: z.boolean() }).meta({ id: 'ControlResponse' })
export type ControlResponse = z.infer<typeof ControlResponse>

export const RunResult = z.looseObject({ run_id: z.string(), status: z.string(), result: z.unknown(), failure: RunFailure.optional() }).meta({ id: 'RunResult' })
export type RunResult = z.infer<typeof RunResult>

export const DefinitionList = z.object({
  definitions: z.array(z.looseObject({ definition_name: z.string(), definition_version: z.string(), live: z.boolean() })),
})
export type DefinitionList = z.infer<typeof DefinitionList>

export const InstanceInfo = z.looseObject({ instance_id: z.string(), instance_key: z.string(), definition_name: z.string(), status: z.string(), current_run: RunSummary.nullable() })
export type InstanceInfo = z.infer<typeof InstanceInfo>
