import { Logger as GraphileLogger } from 'graphile-worker'
import type { Logger } from '../logger.js'

/** graphile-worker's log lines, through our structured logger. */
export function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { component: 'worker', ...scope, ...(meta ?? {}) }
    if (level === 'error') logger.error(message, fields)
    else if (level === 'warning') logger.warn(message, fields)
    else if (level === 'info') logger.info(message, fields)
    else logger.debug(message, fields)
  })
}
