import type { ContinuaConfig } from '../config.js'
import type { Database } from '../db/connection.js'
import type { Logger } from '../logger.js'

/** Opens the database for one command and always closes it (leaving the embedded cluster). */
export async function withDatabase<T>(config: ContinuaConfig, logger: Logger, role: string, fn: (database: Database) => Promise<T>): Promise<T> {
  const { openDatabase, describeConnectionError } = await import('../db/connection.js')
  const database = await openDatabase(config, logger, role)
  try {
    return await fn(database)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ECONNREFUSED' || code === '3D000' || code === '28P01' || code === '28000' || code === 'ENOTFOUND') {
      throw describeConnectionError(err, database.url)
    }
    throw err
  } finally {
    await database.close()
  }
}
