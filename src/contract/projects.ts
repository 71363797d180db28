import { z } from 'zod'

const ProjectName = z
  .string({ error: 'name must be a string' })
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters')

export const Project = z
  .object({
    id: z.uuid(),
    name: z.string(),
    is_default: z.boolean(),
    retention_days: z.number().int().nullable().describe('Traces older than this many days are deleted hourly; null keeps them forever'),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Project' })
export type Project = z.infer<typeof Project>

export const ProjectWithKey = Project.extend({
  api_key: z.string().describe('Plaintext API key; shown only in this response'),
}).meta({ id: 'ProjectWithKey' })
export type ProjectWithKey = z.infer<typeof ProjectWithKey>

export const ProjectList = z
  .object({
    projects: z.array(Project),
    authenticated_project_id: z.uuid().optional(),
  })
  .meta({ id: 'ProjectList' })
export type ProjectList = z.infer<typeof ProjectList>

export const CreateProjectRequest = z.object({ name: ProjectName }).meta({ id: 'CreateProjectRequest' })
const RetentionDays = z
  .number({ error: 'retention_days must be a whole number of days or null' })
  .int('retention_days must be a whole number of days')
  .min(1, 'retention_days must be at least 1')
  .max(36500, 'retention_days must be at most 36500')
  .nullable()

export const UpdateProjectRequest = z
  .object({ name: ProjectName.optional(), retention_days: RetentionDays.optional() })
  .refine((b) => b.name !== undefined || b.retention_days !== undefined, { message: 'send name and/or retention_days' })
  .meta({ id: 'UpdateProjectRequest' })
export type UpdateProjectRequest = z.infer<typeof UpdateProjectRequest>

export const ApiKey = z
  .object({
    id: z.uuid(),
    project_id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('First characters of the key, to recognise it'),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable(),
    revoked_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' })
export type ApiKey = z.infer<typeof ApiKey>

export const ApiKeyWithSecret = ApiKey.extend({ api_key: z.string() }).meta({ id: 'ApiKeyWithSecret' })
export type ApiKeyWithSecret = z.infer<typeof ApiKeyWithSecret>

export const ApiKeyList = z.object({ keys: z.array(ApiKey) }).meta({ id: 'ApiKeyList' })
export const CreateApiKeyRequest = z
  .object({ name: ProjectName.optional().default('default') })
  .meta({ id: 'CreateApiKeyRequest' })
