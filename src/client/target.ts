import type { ContinuaConfig } from '../config.js'
import { readCredentials } from '../credentials.js'
import { ContinuaError } from '../errors.js'

// Where the CLI and TUI send REST calls, resolved in one place: flags, else the environment
// (already folded into ContinuaConfig), else $CONTINUA_HOME/credentials.json written by `serve`.

export interface ApiTarget {
  url: string
  apiKey: string | undefined
  source: 'flags' | 'env' | 'credentials'
}

export interface TargetFlags {
  apiUrl?: string
  apiKey?: string
}

export function resolveApiTarget(flags: TargetFlags, config: Pick<ContinuaConfig, 'apiUrl' | 'apiKey' | 'home'>): ApiTarget {
  const creds = readCredentials(config.home)
  const url = flags.apiUrl ?? config.apiUrl ?? creds?.api_url
  if (!url) {
    throw new ContinuaError(
      'missing_credentials',
      `No server to talk to: pass --api-url, set CONTINUA_API_URL, or run \`continua serve\` once so ${config.home}/credentials.json exists`,
    )
  }
  checkUrl(url)
  const source = flags.apiUrl ? 'flags' : config.apiUrl ? 'env' : 'credentials'
  // A key from the credentials file belongs to the server in that file only.
  const fileKey = creds && sameServer(creds.api_url, url) ? creds.api_key : undefined
  return { url: url.replace(/\/+$/, ''), apiKey: flags.apiKey ?? config.apiKey ?? fileKey, source }
}

function checkUrl(url: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ContinuaError('invalid_setting', `--api-url must be an http(s) URL, got ${JSON.stringify(url)}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ContinuaError('invalid_setting', `--api-url must be an http(s) URL, got ${JSON.stringify(url)}`)
}

function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '')
}
