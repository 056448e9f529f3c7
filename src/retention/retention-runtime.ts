import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Database } from '../db/database.ts'
import { startLoop, type BackgroundLoop } from '../ops/background-loop.ts'
import type { LoopHealth } from '../ops/loop-health.ts'
import { createRetentionPurge, total } from './retention-purge.ts'

/**
 * The scheduled purge of this process. Every process runs it; the advisory lock and the last run's
 * time (retention_runs) make it one run per RETENTION_INTERVAL_MS across them all, straight on
 * while runs find something.
 */
export function startRetention(options: { config: Config; database: Database; logger: Logger; health?: LoopHealth | undefined }): BackgroundLoop {
  const { config, database, logger } = options
  const purge = createRetentionPurge({ pool: database.pool, policy: config.retention, intervalMs: config.retentionIntervalMs })
  return startLoop({
    name: 'retention purge',
    logger,
    // the loop looks often, well within LOOP_STALL_MS so that /readyz sees it step (a look that finds no
    // run due is one short transaction); retention_runs keeps the runs to one per RETENTION_INTERVAL_MS
    intervalMs: Math.min(config.retentionIntervalMs, config.loopStallMs / 4),
    health: options.health,
    async step() {
      const counts = await purge()
      const purged = total(counts)
      if (purged > 0) logger.info({ purged: counts }, 'retention: purged what was past its retention')
      return purged
    },
  })
}
