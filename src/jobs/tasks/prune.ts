import type { Kysely } from 'kysely'
import { deleteRevokedKeysOlderThan } from '../../db/projects.js'
import type { DB } from '../../db/schema.js'
import type { Logger } from '../../logger.js'

export const PRUNE_TASK = 'continua.maintenance.prune'

export interface PruneResult {
  revoked_keys_deleted: number
}

/** Deletes data past its retention. Later areas add their own steps here. */
export async function pruneExpiredData(db: Kysely<DB>, options: { revokedKeyRetentionDays: number }, logger: Logger): Promise<PruneResult> {
  const revoked = await deleteRevokedKeysOlderThan(db, options.revokedKeyRetentionDays)
  if (revoked > 0) logger.info('pruned revoked api keys', { deleted: revoked })
  return { revoked_keys_deleted: revoked }
}
