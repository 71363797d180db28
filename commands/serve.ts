import { Flags } from '@oclif/core'
import { ContinuaCommand } from '../src/cli/base-command.js'
import { waitForShutdownSignal } from '../src/cli/signals.js'

export default class Serve extends ContinuaCommand {
  static override description =
    'Start the Continua server: REST API, web debugger and (unless --no-worker) the background worker. Without DATABASE_URL it starts an embedded Postgres under $CONTINUA_HOME and migrates it.'

  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 9000 --no-worker', '<%= config.bin %> serve --demo --host 0.0.0.0', 'DATABASE_URL=postgres://localhost/continua <%= config.bin %> serve']

  static override flags = {
    host: Flags.string({ description: 'Address to bind (default: HOST, else 127.0.0.1)' }),
    port: Flags.integer({ description: 'Port to listen on (default: PORT, else 8080)' }),
    worker: Flags.boolean({ allowNo: true, default: true, description: 'Run the background worker in this process' }),
    demo: Flags.boolean({ default: false, description: 'Read-only public demo: seed the demo project and serve it without credentials; refuse every change (also CONTINUA_DEMO)' }),
  }

  static override summary = 'Start the API server, web debugger and worker'

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve)
    // Listen for signals before anything starts: a Ctrl-C during start-up must still shut down in order.
    const shutdown = waitForShutdownSignal()
    const config = this.settings(flags, { HOST: flags.host, PORT: flags.port })
    const logger = this.makeLogger(config)
    const { startServe } = await import('../server/index.js')
    const server = await startServe({ config, logger, worker: flags.worker && config.serveWorker, demo: flags.demo || config.demo.enabled, say: (line) => this.log(line) })
    await shutdown
    await server.stop()
  }
}
