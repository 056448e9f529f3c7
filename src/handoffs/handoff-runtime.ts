import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { activeKeyWatcher } from '../keys/gateway-keys.ts'
import { createRequestSigner } from '../crypto/request-signer.ts'
import { createSigningThread } from '../crypto/signing-thread.ts'
import type { Database } from '../db/database.ts'
import { createDirectoryService } from '../directory/directory-service.ts'
import { startLoop } from '../ops/background-loop.ts'
import type { LoopHealth } from '../ops/loop-health.ts'
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
 * The handoff loops of this process: one signs the outbox, one per delivery mode delivers what is
 * signed (src/handoffs/delivery-modes.ts), one escalates urgent handoffs left without a receipt, one makes
 * re-notices for platforms that have not removed content, one sends senders their status notifications.
 * They never wait on each other, so an unreachable endpoint does not slow signing, nor a signing error delivery.
 * Every process runs them; SKIP LOCKED and leases share the work.
 */
export async function startHandoffDelivery(options: {
  config: Config
  database: Database
  logger: Logger
  sealer: Sealer
  signals?: Pick<InboxSignals, 'signal'>
  /** Where the loops report their heartbeats (readiness). */
  health?: LoopHealth
  /** The CAs pushes and notifications trust, when not the usual ones (development: the partners' certificate too). */
  ca?: string
}): Promise<RunningHandoffDelivery> {
  const { config, database, logger, sealer, signals, health, ca } = options
  const pool = database.pool
  const signingThread = createSigningThread()
  const directory = createDirectoryService({ pool, cacheMs: config.directoryCacheMs })
  const worker = createHandoffWorker({ pool, sealer, logger, issuer: manifestIssuer(config), keyCheckMs: config.keyCheckMs, signingThread, signals })
  // what is signed (or escalated) is delivered at once, not at each mode's next look
  const wakeDelivery = (count: number) => {
    if (count > 0) for (const loop of delivering.values()) loop.wake()
    return count
  }
  // every request the gateway sends is signed (RFC 9421) with the key /.well-known/jwks.json publishes, followed across rotations
  const signRequest = createRequestSigner(activeKeyWatcher(pool, sealer, 'receipt', config.keyCheckMs))
  const delivery = createPushDelivery({
    pool,
    logger,
    directory,
    handoffs: createHandoffService({ pool, keysOf: createParticipantKeys() }),
    signRequest,
    maxAgeMs: config.deliveryMaxAgeMs,
    leaseMs: config.deliveryLeaseMs,
    ca,
    onSettled: (mode) => delivering.get(mode)?.wake(),
  })
  // one loop per delivery mode: a mode whose targets are slow never holds up another's
  const delivering = new Map(
    delivery.modes.map((mode) => [mode, startLoop({ name: mode.name, step: async () => (await delivery.dispatch(mode)).length, logger, health })]),
  )
  const signing = startLoop({ name: 'handoff signing', step: async () => wakeDelivery(await worker.step()), logger, health })
  const escalations = createEscalations({ pool, directory, ackMs: config.urgentAckMs })
  const escalating = startLoop({
    name: 'urgent escalation',
    step: async () => wakeDelivery(await escalations.step()),
    logger,
    intervalMs: 1_000,
    health,
  })
  const renotices = createRenotices({
    pool,
    sealer,
    issuer: manifestIssuer(config),
    afterMs: config.renoticeAfterMs,
    max: config.renoticeMax,
    keyCheckMs: config.keyCheckMs,
  })
  const renoticing = startLoop({
    name: 'takedown re-notice',
    step: async () => wakeDelivery(await renotices.step()),
    logger,
    intervalMs: 1_000,
    health,
  })
  const notifier = createStatusNotifier({ pool, logger, signRequest, ca })
  const notifying = startLoop({ name: 'status notification', step: notifier.step, logger, intervalMs: 1_000, health })
  return {
    async stop() {
      await Promise.all([
        signing.stop(),
        escalating.stop(),
        renoticing.stop(),
        notifying.stop(),
        ...[...delivering.values()].map((loop) => loop.stop()),
      ])
      await delivery.stop()
      await signingThread.close()
    },
  }
}

/** The manifests' `iss`: the gateway's public URL, else its audit log origin, else its name. */
export function manifestIssuer(config: Pick<Config, 'publicUrl' | 'auditLogOrigin'>): string {
  return config.publicUrl ?? config.auditLogOrigin ?? 'hotline-gateway'
}
