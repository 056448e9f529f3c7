import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { Database } from '../db/database.ts'
import { startSequencer } from './sequencer.ts'
import type { LoopHealth } from '../ops/loop-health.ts'
import { parseWitnesses, startWitnessPublisher } from './witness-publisher.ts'

export interface AuditLogRuntime {
  /** Lets the batch and the witness round in progress finish; call before the database closes. */
  stop(): Promise<void>
}

export interface AuditLogRuntimeOptions {
  config: Config
  database: Database
  logger: Logger
  sealer: Sealer
  /** Where the sequencer and the witness publisher report their heartbeats (readiness). */
  health?: LoopHealth | undefined
}

/**
 * The audit log's background work in this process: the sequencer (every process runs one; one at a
 * time works) and, with AUDIT_WITNESSES, the publisher that collects witness cosignatures.
 */
export async function startAuditLog(options: AuditLogRuntimeOptions): Promise<AuditLogRuntime> {
  const { config, database, logger, sealer, health } = options
  const witnesses = parseWitnesses(config.auditWitnesses)
  const publisher = witnesses.length > 0 ? startWitnessPublisher({ pool: database.pool, witnesses, logger, health }) : undefined
  const sequencer = await startSequencer({
    pool: database.pool,
    sealer,
    logger,
    origin: config.auditLogOrigin,
    health,
    ...(publisher ? { onSequenced: () => publisher.wake() } : {}),
  }).catch(async (error: unknown) => {
    await publisher?.stop() // start-up stops here: leave no loop behind
    throw error
  })
  return {
    async stop() {
      await sequencer.stop()
      await publisher?.stop()
    },
  }
}
