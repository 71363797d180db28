import fs from 'node:fs'
import path from 'node:path'

// $CONTINUA_HOME/credentials.json lets the CLI and TUI reach the local server with no flags.

export interface Credentials {
  api_url: string
  api_key: string
  project_id: string
  project_name: string
}

export function credentialsPath(home: string): string {
  return path.join(home, 'credentials.json')
}

export function writeCredentials(home: string, creds: Credentials): string {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 })
  const file = credentialsPath(home)
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 })
  fs.renameSync(tmp, file)
  fs.chmodSync(file, 0o600)
  return file
}

export function readCredentials(home: string): Credentials | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(credentialsPath(home), 'utf8')) as Partial<Credentials>
    if (typeof parsed.api_url === 'string' && typeof parsed.api_key === 'string') return parsed as Credentials
  } catch {
    // missing or unreadable: callers fall back to flags and env
  }
  return undefined
}
