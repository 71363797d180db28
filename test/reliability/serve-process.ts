import fs from 'node:fs'
import { freePort, startCli, type LongRunning } from '../helpers/cli.js'

// A real `continua serve` subprocess on a free port, for tests and scripts that need to watch
// its memory, kill it, or run several against one database.

export interface ServeProcess {
  url: string
  port: number
  proc: LongRunning
  /** Resident set size of the process, from /proc (bytes). */
  rss(): number
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export async function startServeProcess(databaseUrl: string, env: Record<string, string | undefined> = {}, port?: number): Promise<ServeProcess> {
  const p = port ?? (await freePort())
  const proc = startCli(['serve', '--port', String(p), '--no-worker'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', ...env })
  await proc.waitFor(/listening on/, 60_000)
  return {
    url: `http://127.0.0.1:${p}`,
    port: p,
    proc,
    rss: () => rssOf(proc.child.pid!),
    stop: (signal = 'SIGTERM') => proc.stop(signal, 10_000),
  }
}

export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)
  return kb ? Number(kb[1]) * 1024 : 0
}
