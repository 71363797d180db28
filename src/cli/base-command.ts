import { Command, Flags, type Interfaces } from '@oclif/core'
import { ConfigError, loadConfig, type ContinuaConfig, type SettingName } from '../config.js'
import { EXIT, isContinuaError } from '../errors.js'
import { createLogger, type Logger } from '../logger.js'

// Shared behaviour of every command: settings from env with flags on top, a stderr logger, and
// failures printed as one line with a documented exit code (never a stack trace).

export abstract class ContinuaCommand extends Command {
  static override baseFlags = {
    'database-url': Flags.string({ description: 'Postgres URL (default: DATABASE_URL, else the embedded Postgres)', helpGroup: 'GLOBAL' }),
    home: Flags.string({ description: 'Continua home directory (default: CONTINUA_HOME, else ~/.continua)', helpGroup: 'GLOBAL' }),
    'log-level': Flags.string({ description: 'debug, info, warn, error or silent (default: LOG_LEVEL, else info)', helpGroup: 'GLOBAL' }),
  }

  /** Builds the config from the environment plus the given flag overrides. */
  protected settings(flags: Interfaces.InferredFlags<typeof ContinuaCommand.baseFlags>, more: Partial<Record<SettingName, string | number | boolean | undefined>> = {}): ContinuaConfig {
    return loadConfig(process.env, {
      DATABASE_URL: flags['database-url'],
      CONTINUA_HOME: flags.home,
      LOG_LEVEL: flags['log-level'],
      ...more,
    })
  }

  protected makeLogger(config: ContinuaConfig): Logger {
    return createLogger({ level: config.logLevel, format: config.logFormat })
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof ConfigError) return this.fail(err.message, EXIT.usage)
    if (isContinuaError(err)) return this.fail(err.message, err.exitCode)
    if (err.oclif) return super.catch(err) // parse errors, this.exit(): oclif formats and exits
    if (process.env.LOG_LEVEL === 'debug') this.logToStderr(err.stack ?? String(err))
    return this.fail(err.message || String(err), EXIT.failed)
  }

  private fail(message: string, code: number): never {
    this.logToStderr(`Error: ${message}`)
    return this.exit(code)
  }
}
