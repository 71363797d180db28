import type { LogLevel } from './config.js'

// Structured logs on stderr (stdout is for command output). JSON lines when piped or asked for,
// a compact human line on a terminal.

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  child(scope: LogFields): Logger
  readonly level: LogLevel
}

export interface LoggerOptions {
  level: LogLevel
  format: 'auto' | 'json' | 'pretty'
  stream?: NodeJS.WritableStream & { isTTY?: boolean }
}

export function createLogger(options: LoggerOptions, scope: LogFields = {}): Logger {
  const stream = options.stream ?? process.stderr
  const json = options.format === 'json' || (options.format === 'auto' && !stream.isTTY)
  const threshold = RANK[options.level]

  const write = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return
    const all = { ...scope, ...fields }
    if (json) {
      stream.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...serialiseErrors(all) }) + '\n')
    } else {
      const extra = Object.entries(serialiseErrors(all))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ')
      stream.write(`${level.padEnd(5)} ${msg}${extra ? '  ' + extra : ''}\n`)
    }
  }

  return {
    level: options.level,
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (more) => createLogger(options, { ...scope, ...more }),
  }
}

function serialiseErrors(fields: LogFields): LogFields {
  const out: LogFields = {}
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v
  }
  return out
}

export const silentLogger: Logger = createLogger({ level: 'silent', format: 'json' })
