/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        process.stderr.write(`Received ${signal} again; exiting now\n`)
        process.exit(130)
      }
      received = true
      resolve(signal)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
  })
}
