import { Flags } from '@oclif/core'
import { ContinuaCommand } from '../src/cli/base-command.js'
import { waitForShutdownSignal } from '../src/cli/signals.js'

export default class Worker extends ContinuaCommand {
  static override description =
    'Run the background worker (graphile-worker). With --workflows, also run the durable engine for the workflows and activities that module exports. Start as many as you like, on any machines, against one Postgres.'

  static override examples = [
    '<%= config.bin %> worker',
    '<%= config.bin %> worker --concurrency 20',
    '<%= config.bin %> worker --workflows ./dist/workflows.js',
    '<%= config.bin %> worker --workflows ./src/workflows.ts',
  ]

  static override flags = {
    concurrency: Flags.integer({ description: 'Jobs to run at once (default: CONTINUA_WORKER_CONCURRENCY, else 10)', min: 1 }),
    workflows: Flags.string({ description: 'Module (.js, or .ts via tsx) exporting workflow and activity definitions; repeatable', multiple: true }),
  }

  static override summary = 'Run a background worker process'

  async run(): Promise<void> {
    const { flags } = await this.parse(Worker)
    // Listen for signals before anything starts: a Ctrl-C during start-up must still shut down in order.
    const shutdown = waitForShutdownSignal()
    const config = this.settings(flags, { CONTINUA_WORKER_CONCURRENCY: flags.concurrency })
    const logger = this.makeLogger(config)
    const { runWorkerProcess } = await import('../src/jobs/worker-process.js')
    const worker = await runWorkerProcess(config, logger, { workflows: flags.workflows })
    if (worker.engine) {
      this.log(`Engine worker ${worker.engine.id} running (concurrency ${config.workerConcurrency}); Ctrl-C to stop`)
    } else {
      this.log(`Worker running (concurrency ${config.workerConcurrency}); Ctrl-C to stop`)
    }
    await shutdown
    await worker.stop()
  }
}
