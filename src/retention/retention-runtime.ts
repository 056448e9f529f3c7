import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Database } from '../db/database.ts'
import { startLoop, type BackgroundLoop } from '../ops/background-loop.ts'
import { createRetentionPurge, total } from './retention-purge.ts'

/**
 * The scheduled purge of this process. Every process runs it; the advisory lock and the last run's
 * time (retention_runs) make it one run per RETENTION_INTERVAL_MS across them all, straight on
 * while runs find something.
 */
export function startRetention({ config, database, logger }: { config: Config; database: Database; logger: Logger }): BackgroundLoop {
  const purge = createRetentionPurge({ pool: database.pool, policy: config.retention, intervalMs: config.retentionIntervalMs })
  return startLoop({
    name: 'retention purge',
    logger,
    // the loop looks often; retention_runs keeps the runs to one per RETENTION_INTERVAL_MS, and a failed
    // look (the database away) backs off from a minute, not from the interval
    intervalMs: Math.min(config.retentionIntervalMs, 60_000),
    async step() {
      const counts = await purge()
      const purged = total(counts)
      if (purged > 0) logger.info({ purged: counts }, 'retention: purged what was past its retention')
      return purged
    },
  })
}
