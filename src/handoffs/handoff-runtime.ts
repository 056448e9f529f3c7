import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { activeKeyWatcher } from '../crypto/gateway-keys.ts'
import { createRequestSigner } from '../crypto/request-signer.ts'
import { createSigningThread } from '../crypto/signing-thread.ts'
import type { Database } from '../db/database.ts'
import { createDirectoryService } from '../directory/directory-service.ts'
import { startLoop } from '../ops/background-loop.ts'
import { createEscalations } from './escalations.ts'
import { createHandoffService } from './handoff-service.ts'
import { createHandoffWorker } from './handoff-worker.ts'
import type { InboxSignals } from './inbox-signals.ts'
import { createParticipantKeys } from './participant-keys.ts'
import { createPushDelivery } from './push-delivery.ts'
import { createRenotices } from './renotices.ts'
import { createStatusNotifier } from './status-notifications.ts'

export interface RunningHandoffDelivery {
  /** Lets the batch being signed commit and the pushes in flight finish, then stops. */
  stop(): Promise<void>
}

/**
 * The handoff loops of this process: one signs the outbox, one pushes what is signed, one escalates
 * urgent handoffs left without a receipt, one sends platforms that have not removed content a re-notice. They never wait on each other, so an unreachable endpoint
 * does not slow signing, nor a signing error pushing.
 * Every process runs them; SKIP LOCKED and leases share the work.
 */
export async function startHandoffDelivery(options: {
  config: Config
  database: Database
  logger: Logger
  sealer: Sealer
  signals?: Pick<InboxSignals, 'signal'>
}): Promise<RunningHandoffDelivery> {
  const { config, database, logger, sealer, signals } = options
  const pool = database.pool
  const signingThread = createSigningThread()
  const directory = createDirectoryService({ pool, cacheMs: config.directoryCacheMs })
  const worker = createHandoffWorker({ pool, sealer, logger, issuer: manifestIssuer(config), keyCheckMs: config.keyCheckMs, signingThread, signals })
  // what is signed is pushed at once, not at the push loop's next look
  const sign = async () => {
    const signed = await worker.step()
    if (signed > 0) pushing.wake()
    return signed
  }
  // every request the gateway sends is signed (RFC 9421) with the key /.well-known/jwks.json publishes, followed across rotations
  const signRequest = createRequestSigner(activeKeyWatcher(pool, sealer, 'receipt', config.keyCheckMs))
  const push = createPushDelivery({
    pool,
    logger,
    directory,
    handoffs: createHandoffService({ pool, keysOf: createParticipantKeys() }),
    signRequest,
    maxAgeMs: config.deliveryMaxAgeMs,
    onSettled: () => pushing.wake(),
  })
  const pushing = startLoop({ name: 'push delivery', step: push.dispatch, logger })
  const signing = startLoop({ name: 'handoff signing', step: sign, logger })
  const escalations = createEscalations({ pool, directory, ackMs: config.urgentAckMs })
  const escalating = startLoop({ name: 'urgent escalation', step: escalate, logger, intervalMs: 1_000 })
  const renotices = createRenotices({
    pool,
    sealer,
    issuer: manifestIssuer(config),
    afterMs: config.renoticeAfterMs,
    max: config.renoticeMax,
    keyCheckMs: config.keyCheckMs,
  })
  const renoticing = startLoop({ name: 'takedown re-notice', step: renotice, logger, intervalMs: 1_000 })
  async function renotice(): Promise<number> {
    const signed = await renotices.step()
    if (signed > 0) pushing.wake()
    return signed
  }
  const notifier = createStatusNotifier({ pool, logger, signRequest })
  const notifying = startLoop({ name: 'status notification', step: notifier.step, logger, intervalMs: 1_000 })
  async function escalate(): Promise<number> {
    const escalated = await escalations.step()
    if (escalated > 0) pushing.wake()
    return escalated
  }
  return {
    async stop() {
      await Promise.all([signing.stop(), pushing.stop(), escalating.stop(), renoticing.stop(), notifying.stop()])
      await push.stop()
      await signingThread.close()
    },
  }
}

/** The manifests' `iss`: the gateway's public URL, else its audit log origin, else its name. */
export function manifestIssuer(config: Pick<Config, 'publicUrl' | 'auditLogOrigin'>): string {
  return config.publicUrl ?? config.auditLogOrigin ?? 'hotline-gateway'
}
