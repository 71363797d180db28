import { z } from 'zod'

// Wire shapes shared by every route. The server validates with these, the CLI/TUI/web clients
// take their types from them, and /api/openapi.json is generated from them.

export const ErrorBody = z
  .object({
    code: z.string().describe('Stable, machine-readable error code'),
    message: z.string().describe('One readable sentence naming the problem'),
    details: z.unknown().optional(),
    request_id: z.string().optional(),
  })
  .meta({ id: 'Error' })
export type ErrorBody = z.infer<typeof ErrorBody>

export const Uuid = z.uuid({ error: 'expected a UUID' })

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    version: z.string(),
    database: z.enum(['ok', 'unreachable']),
  })
  .meta({ id: 'Health' })
export type HealthResponse = z.infer<typeof HealthResponse>

export const AuthConfigResponse = z
  .object({
    enabled: z.boolean(),
    public_demo_enabled: z.boolean(),
    local_mode_enabled: z.boolean(),
    admin_token_configured: z.boolean(),
    oidc_issuer: z.string().optional().describe('OpenID Connect issuer, when operator login is configured'),
    oidc_client_id: z.string().optional(),
    oidc_audience: z.string().optional(),
    oidc_scopes: z.string().optional(),
    oidc_provider_name: z.string().optional().describe('Host name of the issuer, for the login button'),
    public_demo_label: z.string().optional(),
    public_demo_project_id: z.uuid().optional(),
  })
  .meta({ id: 'AuthConfig' })
export type AuthConfigResponse = z.infer<typeof AuthConfigResponse>
