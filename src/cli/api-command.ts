import { Command, Flags } from '@oclif/core'
import { ConfigError, loadConfig, type ContinuaConfig } from '../config.js'
import { ContinuaError, EXIT, isContinuaError } from '../errors.js'
import { renderJson, resolveOutput, type OutputOptions } from './output.js'

// Base of the commands that talk to a Continua server over REST (runs, trace, traces, sessions,
// tui). The client and its dependencies are imported lazily inside run(), so --help stays fast.

export const apiFlags = {
  'api-url': Flags.string({ description: 'Continua server URL (default: CONTINUA_API_URL, else credentials.json)', helpGroup: 'GLOBAL' }),
  'api-key': Flags.string({ description: 'API key (default: CONTINUA_API_KEY, else credentials.json)', helpGroup: 'GLOBAL' }),
  home: Flags.string({ description: 'Continua home directory (default: CONTINUA_HOME, else ~/.continua)', helpGroup: 'GLOBAL' }),
}

export const outputFlags = {
  output: Flags.string({ char: 'o', description: 'Output format: text (a table on a terminal), json or jsonl', options: ['text', 'json', 'jsonl'], helpGroup: 'OUTPUT' }),
  json: Flags.boolean({ description: 'Same as -o json', helpGroup: 'OUTPUT' }),
  'no-color': Flags.boolean({ description: 'No colour (also NO_COLOR); piped output never has colour', helpGroup: 'OUTPUT' }),
}

type ApiFlagValues = { 'api-url'?: string; 'api-key'?: string; home?: string }
type OutputFlagValues = { output?: string; json?: boolean; 'no-color'?: boolean }

/** A command that talks to a server but prints no data of its own (the TUI): connection flags only. */
export abstract class ApiClientCommand extends Command {
  static override baseFlags = { ...apiFlags }

  // As ContinuaCommand: one line on stderr and the documented exit code, never a stack trace.
  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof ConfigError) return this.fail(err.message, EXIT.usage)
    if (isContinuaError(err)) return this.fail(err.message, err.exitCode)
    if (err.oclif) return super.catch(err)
    if (process.env.LOG_LEVEL === 'debug') this.logToStderr(err.stack ?? String(err))
    return this.fail(err.message || String(err), EXIT.failed)
  }

  private fail(message: string, code: number): never {
    this.logToStderr(`Error: ${message}`)
    return this.exit(code)
  }

  protected config_: ContinuaConfig | undefined

  protected async client(flags: ApiFlagValues) {
    const config = this.apiConfig(flags)
    const { createClient, resolveApiTarget } = await import('../client/index.js')
    return createClient(resolveApiTarget({ apiUrl: flags['api-url'], apiKey: flags['api-key'] }, config))
  }

  protected apiConfig(flags: ApiFlagValues): ContinuaConfig {
    this.config_ ??= loadConfig(process.env, { CONTINUA_HOME: flags.home })
    return this.config_
  }
}

export abstract class ApiCommand extends ApiClientCommand {
  static override baseFlags = { ...apiFlags, ...outputFlags }

  protected output(flags: OutputFlagValues & ApiFlagValues): OutputOptions {
    return resolveOutput(flags, { noColor: this.apiConfig(flags).noColor })
  }

  /** Writes data to stdout: json/jsonl as asked, else the human rendering. */
  protected emit(o: OutputOptions, payload: unknown, items: unknown[] | undefined, human: () => string): void {
    process.stdout.write(o.format === 'text' ? human() : renderJson(payload, items, o.format))
  }

  /** Progress and notes for people: stderr, so stdout stays data. */
  protected note(message: string): void {
    process.stderr.write(message + '\n')
  }
}

/** Parses --input/--payload: inline JSON, or @file with JSON in it. */
export async function readJsonArg(value: string | undefined, flag: string): Promise<unknown> {
  if (value === undefined) return undefined
  let text = value
  if (value.startsWith('@')) {
    const fs = await import('node:fs/promises')
    try {
      text = await fs.readFile(value.slice(1), 'utf8')
    } catch (err) {
      throw new ContinuaError('invalid_request', `${flag}: cannot read ${value.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ContinuaError('invalid_json', `${flag} is not valid JSON: ${(err as Error).message}`)
  }
}

export const runRefFlags = {
  'instance-key': Flags.string({ description: 'Name the run by its instance key instead of its id (the instance\'s current run)' }),
}

export const runArg = { required: false, description: 'Run id (or use --instance-key)' } as const

/** The run id a command acts on: the argument, or the current run of --instance-key. */
export async function runIdOf(client: { runs: { resolve(ref: { runId?: string; instanceKey?: string }): Promise<{ run_id: string }> } }, runId: string | undefined, instanceKey: string | undefined): Promise<string> {
  if (runId && instanceKey) throw new ContinuaError('invalid_request', 'Give either a run id or --instance-key, not both')
  if (runId) return runId
  if (!instanceKey) throw new ContinuaError('invalid_request', 'Name a run: give its id or --instance-key <key>')
  return (await client.runs.resolve({ instanceKey })).run_id
}
