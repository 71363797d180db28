import type { ColumnType, Generated } from 'kysely'

// Row shapes of the engine's tables (schema `engine`, migrations 000010+). The engine's store
// queries them with SQL through pg (see engine-store.ts); these types serve Kysely readers.

type Json = ColumnType<unknown, string | undefined, string>
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>

export interface EngineInstancesTable {
  id: Generated<string>
  project_id: string
  instance_key: string
  definition_name: string
  status: Generated<string>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface EngineRunsTable {
  id: Generated<string>
  project_id: string
  instance_id: string
  run_number: number
  definition_name: string
  definition_version: string
  status: Generated<string>
  input: Json
  result: Json
  error_code: string | null
  error_message: string | null
  custom_status: Json
  waiting_for: Json
  last_seq: Generated<number>
  activation_version: Generated<number>
  cancel_requested: Generated<boolean>
  parent_run_id: string | null
  parent_command_id: number | null
  parent_close_policy: string | null
  root_run_id: string
  child_depth: Generated<number>
  continued_from_run_id: string | null
  continued_to_run_id: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
  completed_at: NullableTs
}

export interface EngineHistoryTable {
  id: Generated<number>
  project_id: string
  run_id: string
  sequence_no: number
  event_type: string
  payload: Json
  created_at: Generated<Date>
}

export interface EngineActivityTasksTable {
  id: Generated<string>
  project_id: string
  run_id: string
  command_id: number
  activity_key: string
  activity_type: string
  input: Json
  output: Json
  status: Generated<string>
  execution_target: Generated<string>
  attempt: Generated<number>
  owner: string | null
  available_at: Generated<Date>
  claimed_at: NullableTs
  lease_expires_at: NullableTs
  lease_duration_ms: number | null
  retry_policy: Json
  timeouts: Json
  last_error_code: string | null
  last_error_message: string | null
  scheduled_at: Generated<Date>
  completed_at: NullableTs
}

export interface EngineTimersTable {
  id: Generated<string>
  project_id: string
  run_id: string
  command_id: number
  due_at: Date
  status: Generated<string>
  fired_at: NullableTs
}

export interface EngineSignalsTable {
  id: Generated<number>
  project_id: string
  run_id: string
  signal_name: string
  payload: Json
  status: Generated<string>
  created_at: Generated<Date>
}

export interface EngineWorkersTable {
  id: string
  hostname: string
  pid: number
  graphile_worker_ids: Generated<string[]>
  status: Generated<string>
  started_at: Generated<Date>
  heartbeat_at: Generated<Date>
}

export interface EngineTables {
  'engine.instances': EngineInstancesTable
  'engine.runs': EngineRunsTable
  'engine.history': EngineHistoryTable
  'engine.activity_tasks': EngineActivityTasksTable
  'engine.timers': EngineTimersTable
  'engine.signals': EngineSignalsTable
  'engine.workers': EngineWorkersTable
}
