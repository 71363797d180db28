import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

// The only declaration of row shapes. Read, insert and update shapes are derived from these.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type Json = ColumnType<unknown, string | undefined, string>

export interface ProjectsTable {
  id: Generated<string>
  name: string
  is_default: Generated<boolean>
  settings: Json
  created_at: Generated<Date>
  updated_at: Timestamp
}

export interface ApiKeysTable {
  id: Generated<string>
  project_id: string
  name: string
  key_hash: string
  display_prefix: string
  created_at: Generated<Date>
  last_used_at: NullableTimestamp
  revoked_at: NullableTimestamp
}

export interface MigrationsTable {
  version: number
  name: string
  applied_at: Generated<Date>
}

export interface DB {
  projects: ProjectsTable
  api_keys: ApiKeysTable
  continua_migrations: MigrationsTable
}

export type ProjectRow = Selectable<ProjectsTable>
export type NewProjectRow = Insertable<ProjectsTable>
export type ProjectUpdate = Updateable<ProjectsTable>
export type ApiKeyRow = Selectable<ApiKeysTable>
