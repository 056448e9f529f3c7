import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { Database } from '../db/database.ts'
import { createDirectoryService } from '../directory/directory-service.ts'
import { createHandoffService } from './handoff-service.ts'
import { startHandoffWorker, type RunningHandoffWorker } from './handoff-worker.ts'
import { createParticipantKeys } from './participant-keys.ts'
import { createPushDelivery } from './push-delivery.ts'

/** The handoff outbox worker of this process, signing and pushing (every process runs one; SKIP LOCKED shares the work). */
export async function startHandoffDelivery(options: {
  config: Config
  database: Database
  logger: Logger
  sealer: Sealer
}): Promise<RunningHandoffWorker> {
  const { config, database, logger, sealer } = options
  const pool = database.pool
  const push = createPushDelivery({
    pool,
    logger,
    directory: createDirectoryService({ pool, cacheMs: config.directoryCacheMs }),
    handoffs: createHandoffService({ pool, keysOf: createParticipantKeys() }),
  })
  return startHandoffWorker({ pool, sealer, logger, issuer: manifestIssuer(config), push, keyCheckMs: config.keyCheckMs })
}

/** The manifests' `iss`: the gateway's public URL, else its audit log origin, else its name. */
export function manifestIssuer(config: Pick<Config, 'publicUrl' | 'auditLogOrigin'>): string {
  return config.publicUrl ?? config.auditLogOrigin ?? 'hotline-gateway'
}
