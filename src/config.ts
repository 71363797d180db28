import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'

// The one place that reads process.env. Every setting is validated here; the result is frozen
// and passed down explicitly, so nothing deeper re-reads the environment.

const port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65535, 'expected a port between 1 and 65535')

const positiveInt = (max: number) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(1, 'expected a number of at least 1')
    .max(max, `expected a number of at most ${max}`)

const nonNegativeInt = (max: number) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(0, 'expected a number of at least 0')
    .max(max, `expected a number of at most ${max}`)

const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value)
      return url.protocol === 'postgres:' || url.protocol === 'postgresql:'
    } catch {
      return false
    }
  },
  { message: 'expected a postgres:// or postgresql:// connection URL' },
)

const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on')

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Every setting, keyed by its environment variable name. */
export const settingsSchema = z.object({
  /** Postgres to use. Unset: an embedded Postgres is started under CONTINUA_HOME. */
  DATABASE_URL: postgresUrl.optional(),
  /** Port the HTTP server listens on. */
  PORT: port.default(8080),
  /** Address the HTTP server binds to. */
  HOST: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  /** Where Continua keeps its embedded database and credentials. */
  CONTINUA_HOME: z.string().min(1, 'expected a directory path').optional(),
  /** Log verbosity. */
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** Log format: json always, pretty always, or auto (pretty on a terminal, json otherwise). */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'expected auto, json or pretty' }).default('auto'),
  /** Bearer token that makes a caller an operator across all projects. */
  CONTINUA_ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  /** Connections in the Postgres pool of each process. */
  CONTINUA_DB_POOL_SIZE: positiveInt(200).default(10),
  /** Jobs one worker process runs at once. */
  CONTINUA_WORKER_CONCURRENCY: positiveInt(500).default(10),
  /** Whether `serve` also runs the background worker in-process. */
  CONTINUA_SERVE_WORKER: boolFlag.default(true),
  /** Largest accepted JSON body on ordinary API routes, in bytes. */
  CONTINUA_MAX_BODY_BYTES: positiveInt(64 * 1024 * 1024).default(1024 * 1024),
  /** Days a revoked API key row is kept before the maintenance task deletes it. */
  CONTINUA_REVOKED_KEY_RETENTION_DAYS: positiveInt(3650).default(30),
  /** Base URL of a Continua server, for CLI commands that talk over HTTP. */
  CONTINUA_API_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  /** API key for CLI commands that talk over HTTP. */
  CONTINUA_API_KEY: z.string().min(1).optional(),
  /** Any non-empty value turns colour off in CLI output (https://no-color.org). */
  NO_COLOR: z.string().optional(),
  /** How POST /v1/ingest answers when neither ?sync=true nor X-Continua-Async-Version is sent. */
  CONTINUA_INGEST_DEFAULT_MODE: z.enum(['sync', 'async'], { error: 'expected sync or async' }).default('sync'),
  /** Largest accepted POST /v1/ingest body, in bytes. */
  CONTINUA_INGEST_MAX_BODY_BYTES: positiveInt(64 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Payloads (input, output, metadata, event payload) larger than this are truncated; the original is kept. */
  CONTINUA_MAX_PAYLOAD_BYTES: positiveInt(16 * 1024 * 1024).default(64 * 1024),
  /** Days a failed ingest batch keeps its raw payload before the maintenance task deletes it. */
  CONTINUA_FAILED_PAYLOAD_RETENTION_DAYS: positiveInt(3650).default(7),
  /** Largest accepted OTLP/HTTP body (POST /v1/traces), in bytes, counted after decompression. */
  CONTINUA_OTLP_MAX_BODY_BYTES: positiveInt(256 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Milliseconds without a heartbeat after which an engine worker is declared dead and its jobs released. */
  CONTINUA_ENGINE_WORKER_TIMEOUT_MS: positiveInt(3_600_000).pipe(z.number().min(1000, 'expected at least 1000 ms')).default(15_000),
  /** Sustained requests per second allowed per API key, per serve instance; 0 = no limit. */
  CONTINUA_RATE_LIMIT_PER_KEY: nonNegativeInt(1_000_000).default(0),
  /** Requests an API key may send at once after a quiet spell; 0 = twice the per-second limit. */
  CONTINUA_RATE_LIMIT_PER_KEY_BURST: nonNegativeInt(10_000_000).default(0),
  /** Failed authentications per second allowed per peer address, per serve instance; 0 = no limit. */
  CONTINUA_RATE_LIMIT_FAILED_AUTH_PER_PEER: nonNegativeInt(1_000_000).default(20),
  /** Failed authentications a peer may make at once; 0 = ten times the per-second limit. */
  CONTINUA_RATE_LIMIT_FAILED_AUTH_BURST: nonNegativeInt(10_000_000).default(0),
  /** Test hook for crash-recovery tests: activity-start, activity-returned or activation makes a worker kill itself there. */
  CONTINUA_ENGINE_CRASH_AT: z.enum(['activity-start', 'activity-returned', 'activation'], { error: 'expected activity-start, activity-returned or activation' }).optional(),
  /** OpenID Connect issuer for operator login (e.g. https://your-tenant.auth0.com/). Unset: no OIDC login. */
  CONTINUA_OIDC_ISSUER: z.url({ error: 'expected the issuer URL' }).optional(),
  /** OAuth client id of the debugger (a public client using PKCE). */
  CONTINUA_OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Audience tokens must carry; defaults to the client id (ID tokens). */
  CONTINUA_OIDC_AUDIENCE: z.string().min(1).optional(),
  /** JWKS URL; unset: taken from the issuer's discovery document. */
  CONTINUA_OIDC_JWKS_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  /** Comma-separated emails and domains (@example.com) allowed to sign in as operators. */
  CONTINUA_OIDC_ALLOWED: z.string().min(1).optional(),
  /** Token claim holding the email. */
  CONTINUA_OIDC_EMAIL_CLAIM: z.string().min(1).default('email'),
  /** Scopes the debugger asks for at login. */
  CONTINUA_OIDC_SCOPES: z.string().min(1).default('openid email profile'),
  /** Read-only public demo: the demo project readable without credentials, every mutation refused. */
  CONTINUA_DEMO: boolFlag.default(false),
  /** Banner text of the public demo. */
  CONTINUA_DEMO_LABEL: z.string().min(1).max(200).default('Public demo'),
})

export type Settings = z.infer<typeof settingsSchema>
export type SettingName = keyof Settings

export interface ContinuaConfig {
  readonly databaseUrl: string | undefined
  readonly port: number
  readonly host: string
  readonly home: string
  readonly logLevel: LogLevel
  readonly logFormat: 'auto' | 'json' | 'pretty'
  readonly adminToken: string | undefined
  readonly poolSize: number
  readonly workerConcurrency: number
  readonly serveWorker: boolean
  readonly maxBodyBytes: number
  readonly revokedKeyRetentionDays: number
  readonly apiUrl: string | undefined
  readonly apiKey: string | undefined
  readonly noColor: boolean
  readonly ingest: IngestSettings
  readonly otlpMaxBodyBytes: number
  readonly engine: { readonly workerTimeoutMs: number; readonly crashAt: string | undefined }
  readonly oidc: OidcSettings | undefined
  readonly demo: { readonly enabled: boolean; readonly label: string }
  readonly rateLimits: RateLimitSettings
}

/** Token-bucket limits (see src/ratelimit); a rate of 0 turns that limit off. */
export interface RateLimitSettings {
  readonly perKeyPerSecond: number
  readonly perKeyBurst: number
  readonly perPeerPerSecond: number
  readonly perPeerBurst: number
}

export interface OidcSettings {
  readonly issuer: string
  readonly clientId: string | undefined
  readonly audience: string
  readonly jwksUrl: string | undefined
  /** Lower-case emails and domains (a domain entry starts with "@"). */
  readonly allowed: readonly string[]
  readonly emailClaim: string
  readonly scopes: string
}

export interface IngestSettings {
  readonly defaultMode: 'sync' | 'async'
  readonly maxBodyBytes: number
  readonly maxPayloadBytes: number
  readonly failedPayloadRetentionDays: number
}

export const DEFAULT_INGEST_SETTINGS: IngestSettings = Object.freeze({
  defaultMode: 'sync',
  maxBodyBytes: 5 * 1024 * 1024,
  maxPayloadBytes: 64 * 1024,
  failedPayloadRetentionDays: 7,
})

/** Raised for a bad setting; its message is one line naming the setting and the problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`Invalid setting ${setting}: ${problem}`)
  }
}

/**
 * Validates the environment, with explicit overrides (CLI flags) applied on top.
 * Empty strings count as unset, so `PORT= continua serve` means the default.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<SettingName, string | number | boolean | undefined>> = {},
): ContinuaConfig {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = typeof value === 'string' ? value : String(value)
  }
  const parsed = settingsSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const setting = String(issue.path[0] ?? 'configuration')
    const given = raw[setting]
    const shown = setting === 'CONTINUA_ADMIN_TOKEN' || setting === 'CONTINUA_API_KEY' ? '' : given === undefined ? '' : `, got ${JSON.stringify(given)}`
    throw new ConfigError(setting, `${issue.message}${shown}`)
  }
  const s = parsed.data
  return Object.freeze({
    databaseUrl: s.DATABASE_URL,
    port: s.PORT,
    host: s.HOST,
    home: path.resolve(expandHome(s.CONTINUA_HOME ?? path.join(os.homedir(), '.continua'))),
    logLevel: s.LOG_LEVEL,
    logFormat: s.LOG_FORMAT,
    adminToken: s.CONTINUA_ADMIN_TOKEN,
    poolSize: s.CONTINUA_DB_POOL_SIZE,
    workerConcurrency: s.CONTINUA_WORKER_CONCURRENCY,
    serveWorker: s.CONTINUA_SERVE_WORKER,
    maxBodyBytes: s.CONTINUA_MAX_BODY_BYTES,
    revokedKeyRetentionDays: s.CONTINUA_REVOKED_KEY_RETENTION_DAYS,
    apiUrl: s.CONTINUA_API_URL,
    apiKey: s.CONTINUA_API_KEY,
    noColor: s.NO_COLOR !== undefined,
    ingest: Object.freeze({
      defaultMode: s.CONTINUA_INGEST_DEFAULT_MODE,
      maxBodyBytes: s.CONTINUA_INGEST_MAX_BODY_BYTES,
      maxPayloadBytes: s.CONTINUA_MAX_PAYLOAD_BYTES,
      failedPayloadRetentionDays: s.CONTINUA_FAILED_PAYLOAD_RETENTION_DAYS,
    }),
    otlpMaxBodyBytes: s.CONTINUA_OTLP_MAX_BODY_BYTES,
    engine: Object.freeze({ workerTimeoutMs: s.CONTINUA_ENGINE_WORKER_TIMEOUT_MS, crashAt: s.CONTINUA_ENGINE_CRASH_AT }),
    rateLimits: Object.freeze({
      perKeyPerSecond: s.CONTINUA_RATE_LIMIT_PER_KEY,
      perKeyBurst: s.CONTINUA_RATE_LIMIT_PER_KEY_BURST || s.CONTINUA_RATE_LIMIT_PER_KEY * 2,
      perPeerPerSecond: s.CONTINUA_RATE_LIMIT_FAILED_AUTH_PER_PEER,
      perPeerBurst: s.CONTINUA_RATE_LIMIT_FAILED_AUTH_BURST || s.CONTINUA_RATE_LIMIT_FAILED_AUTH_PER_PEER * 10,
    }),
    oidc: oidcSettings(s),
    demo: Object.freeze({ enabled: s.CONTINUA_DEMO, label: s.CONTINUA_DEMO_LABEL }),
  })
}

function oidcSettings(s: Settings): OidcSettings | undefined {
  if (!s.CONTINUA_OIDC_ISSUER) return undefined
  const audience = s.CONTINUA_OIDC_AUDIENCE ?? s.CONTINUA_OIDC_CLIENT_ID
  if (!audience) throw new ConfigError('CONTINUA_OIDC_AUDIENCE', 'set it (or CONTINUA_OIDC_CLIENT_ID) when CONTINUA_OIDC_ISSUER is set')
  const allowed = (s.CONTINUA_OIDC_ALLOWED ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .map((e) => (e.includes('@') ? e : '@' + e))
  // Without an allow-list every account of the provider would become an operator.
  if (!allowed.length) throw new ConfigError('CONTINUA_OIDC_ALLOWED', 'list the emails or domains allowed to sign in when CONTINUA_OIDC_ISSUER is set')
  return Object.freeze({
    issuer: s.CONTINUA_OIDC_ISSUER,
    clientId: s.CONTINUA_OIDC_CLIENT_ID,
    audience,
    jwksUrl: s.CONTINUA_OIDC_JWKS_URL,
    allowed: Object.freeze(allowed),
    emailClaim: s.CONTINUA_OIDC_EMAIL_CLAIM,
    scopes: s.CONTINUA_OIDC_SCOPES,
  })
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1'
}
