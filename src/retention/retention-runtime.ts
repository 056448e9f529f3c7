import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Database } from '../db/database.ts'
import { startLoop, type BackgroundLoop } from '../ops/background-loop.ts'
import { createRetentionPurge, total } from './retention-purge.ts'

/**
 * The scheduled purge of this process: every RETENTION_INTERVAL_MS, and straight on while a run
 * found a full batch. Every process runs it; the advisory lock lets one at a time work.
 */
export function startRetention({ config, database, logger }: { config: Config; database: Database; logger: Logger }): BackgroundLoop {
  const purge = createRetentionPurge({ pool: database.pool, policy: config.retention, intervalMs: config.retentionIntervalMs })
  return startLoop({
    name: 'retention purge',
    logger,
    intervalMs: config.retentionIntervalMs,
    async step() {
      const counts = await purge()
      const purged = total(counts)
      if (purged > 0) logger.info({ purged: counts }, 'retention: purged what was past its retention')
      return purged
    },
  })
}
