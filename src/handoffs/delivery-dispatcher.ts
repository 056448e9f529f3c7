import { setMaxListeners } from 'node:events'
import type pg from 'pg'
import type { Logger } from 'pino'
import type { RequestSigner } from '../crypto/request-signer.ts'
import type { DirectoryService } from '../directory/directory-service.ts'
import { deadLettersTotal, deliveryLatency, intakeToReceipt, pushAttemptsTotal } from '../ops/metrics.ts'
import { createGroupCommit } from '../db/group-commit.ts'
import type { Participant } from '../directory/participant.ts'
import { receivedEvent } from './handoff-service.ts'
import { sentAndReceived, type AnsweredPush, type CheckedReceipt } from './receipt-batch.ts'
import { commitChange } from '../state/commit.ts'
import { changeWithEntry, linkEntries } from './handoff-audit.ts'
import type { HandoffService } from './handoff-service.ts'
import type { DeliveryContext, DeliveryMode, Leased, Wanted } from './delivery-mode.ts'
import { DEAD_LETTERED, SENT } from './handoff-transitions.ts'

export interface DispatcherOptions {
  pool: pg.Pool
  directory: DirectoryService
  handoffs: Pick<HandoffService, 'checkedReceipt' | 'retractionReceipt' | 'checkReceipt'>
  logger: Logger
  /** Signs each request (RFC 9421, with the gateway's published key): its header fields. */
  signRequest: RequestSigner
  /** Extra trusted CA certificates (PEM) for the endpoints; NODE_EXTRA_CA_CERTS works too. */
  ca?: string | Buffer
  /** Per request (default 10 s). */
  timeoutMs?: number
  /** How long a claimed delivery is left to one worker before another may retry it (default 60 s). */
  leaseMs?: number
  /** First retry delay, doubling with each failed attempt up to an hour (default 5 s). */
  backoffMs?: number
  /** How long after signing a failing push is retried before it is a dead letter (DELIVERY_MAX_AGE_MS, default 24 h). */
  maxAgeMs?: number
  /** Most deliveries in flight from this process to one target (default 16). */
  perDestination?: number
  /** Most deliveries in flight from this process in all (default 256). */
  overall?: number
  /** Called when a delivery of `mode` finished, so that its loop can lease the next one at once. */
  onSettled?: (mode: DeliveryMode) => void
}

// The breaker of one target opens for backoff × 2^(failures-1), with jitter (50–100 %) so that processes do not probe in step.
// A failure while it is open already (the other requests that were in flight when it opened) neither counts again nor
// extends it: sixteen pushes timing out together are one failure, not an hour's backoff.
const TRIPPED = `
  INSERT INTO delivery_endpoints AS e (participant_id, endpoint, failures, open_until, last_error)
  VALUES ($1, $2, 1, now() + $3 * (0.5 + random() / 2) * interval '1 millisecond', $4)
  ON CONFLICT (participant_id, endpoint) DO UPDATE
     SET last_error = $4, updated_at = now(),
         failures = CASE WHEN e.open_until > now() THEN e.failures ELSE e.failures + 1 END,
         open_until = CASE WHEN e.open_until > now() THEN e.open_until
                           ELSE now() + least($3 * 2 ^ e.failures, $5) * (0.5 + random() / 2) * interval '1 millisecond' END`

const CLOSED = `UPDATE delivery_endpoints SET failures = 0, open_until = NULL, last_error = NULL, updated_at = now()
                 WHERE participant_id = $2 AND endpoint = $3 AND failures > 0`

const MAX_BACKOFF_MS = 3_600_000

/** The audit entry of "sent" for each kind of message, and the digest it names (the row change is handoff-transitions' SENT). */
const SENT_ENTRY = {
  handoff: { type: 'handoff.sent', digest: 'manifest_sha256' },
  retraction: { type: 'handoff.retraction_sent', digest: 'retraction_sha256' },
  renotice: { type: 'handoff.renotice_sent', digest: 'renotice_sha256' },
} as const

/**
 * Runs the delivery modes: for one mode at a time, leases what is due for every destination it serves
 * with a free slot and starts those deliveries. An attempt the destination takes marks the message sent
 * (once, audited) and closes the target's breaker; a receipt in its answer is taken as if the
 * destination had posted it. Anything else is retried with exponential backoff, counted in the row,
 * and trips the target's breaker (shared by every process). Targets are isolated: each has its own
 * slots, so a slow one never holds up another's messages.
 */
export function createDispatcher(options: DispatcherOptions) {
  const { pool, logger } = options
  const backoffMs = options.backoffMs ?? 5_000
  const maxAgeMs = options.maxAgeMs ?? 86_400_000
  const perTarget = options.perDestination ?? 16
  const overall = options.overall ?? 256
  const inFlight = new Map<string, number>()
  const running = new Set<Promise<void>>()
  const turns = new Map<DeliveryMode, number>()
  // stopping cuts requests short: their leases run out and any process sends the same bytes again
  const stopping = new AbortController()
  setMaxListeners(overall + 16, stopping.signal) // one listener per request in flight
  const context: DeliveryContext = {
    signRequest: options.signRequest,
    signal: stopping.signal,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  }

  /** Leases what is due for `mode` and starts those deliveries; the deliveries started. */
  async function dispatch(mode: DeliveryMode): Promise<Promise<void>[]> {
    const current = await options.directory.current()
    const served = (current?.document.participants ?? []).flatMap((destination) => {
      const target = mode.target(destination)
      return target ? [{ destination, target }] : []
    })
    // a different destination first each time: when the overall bound leaves some without slots, not always the same ones
    const turn = turns.get(mode) ?? 0
    turns.set(mode, turn + 1)
    const first = turn % Math.max(served.length, 1)
    const wanted = withFreeSlots([...served.slice(first), ...served.slice(0, first)])
    if (wanted.length === 0) return []
    const rows = await mode.claim(pool, wanted, options.leaseMs ?? 60_000)
    const byId = new Map(wanted.map((w) => [w.destination.id, w]))
    return rows.map((row) => track(mode, row, byId.get(row.participant_id)!))
  }

  /** Each target's free slots in this process (its destination's `delivery.concurrency`, or the default), within the overall bound. */
  function withFreeSlots(served: Array<Omit<Wanted, 'slots'>>): Wanted[] {
    let free = overall - running.size
    const wanted: Wanted[] = []
    for (const { destination, target } of served) {
      const limit = (destination.delivery.mode === 'push' ? destination.delivery.concurrency : undefined) ?? perTarget
      const slots = Math.min(limit - (inFlight.get(slotKey(destination.id, target)) ?? 0), free)
      if (slots <= 0) continue
      wanted.push({ destination, target, slots })
      free -= slots
    }
    return wanted
  }

  function track(mode: DeliveryMode, row: Leased, wanted: Wanted): Promise<void> {
    const key = slotKey(row.participant_id, wanted.target)
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1)
    const delivery = deliver(mode, row, wanted)
      .catch((error) =>
        logger.error({ err: error, handoff: row.id, destination: row.participant_id, mode: mode.name }, 'delivery bookkeeping failed'),
      )
      .finally(() => {
        inFlight.set(key, inFlight.get(key)! - 1)
        running.delete(delivery)
        options.onSettled?.(mode)
      })
    running.add(delivery)
    return delivery
  }

  async function deliver(mode: DeliveryMode, row: Leased, { destination, target }: Wanted): Promise<void> {
    const outcome = await mode.deliver(row, target, context)
    if (stopping.signal.aborted) return // not the target's fault: the lease runs out and it is sent again
    if (!outcome.ok) return retryLater(row, target, outcome.error)
    const checked = row.kind === 'handoff' && outcome.receipt ? await options.handoffs.checkReceipt(destination, row.id, outcome.receipt) : undefined
    if (checked && (await receivedAtOnce(mode, row, destination, target, checked))) return
    await markSent(mode, row, target)
    if (!outcome.receipt || row.kind === 'renotice') return // a re-notice is answered by a status, not a receipt
    try {
      if (checked) await options.handoffs.checkedReceipt(destination, checked)
      else await options.handoffs.retractionReceipt(row.id, destination, outcome.receipt)
    } catch (error) {
      // the destination can still post a good receipt itself
      logger.warn({ handoff: row.id, destination: row.participant_id, err: error }, `the receipt in a ${mode.mode} answer (${row.kind}) was refused`)
      await note(row.id, `receipt in the ${mode.mode} answer refused: ${(error as Error).message}`)
    }
  }

  // the pushes answered with a receipt, committed together (sent and received at once), two groups at
  // most at a time: under load the groups grow instead of the statements (bench/README.md, session 6)
  const answered = createGroupCommit(
    async (items: AnsweredPush[]) => {
      const taken = await sentAndReceived(pool, items, new Date())
      return items.map((item) => taken.get(item.id))
    },
    100,
    2,
  )

  /**
   * A handoff whose push came back with a plain receipt, sent and received in one group commit; false
   * when the receipt or the row is anything else (then the two single steps answer it as before).
   */
  async function receivedAtOnce(
    mode: DeliveryMode,
    row: Leased,
    destination: Participant,
    target: string,
    checked: CheckedReceipt,
  ): Promise<boolean> {
    const plain = checked.plain
    if (!plain) return false
    const createdAt = await answered({
      id: row.id,
      destination: destination.id,
      target,
      checked: { ...checked, plain },
      entries: (at) => [sentEvent(mode, row, at), receivedEvent(destination.id, checked, plain, at)],
    })
    if (!createdAt) return false
    pushAttemptsTotal.inc({ kind: row.kind, result: 'sent' })
    deliveryLatency.observe((Date.now() - new Date(row.item.signed_at as string).getTime()) / 1000)
    intakeToReceipt.observe((Date.now() - createdAt.getTime()) / 1000)
    return true
  }

  /** The message is sent (once, audited) and the target's breaker closes: one statement. */
  async function markSent(mode: DeliveryMode, row: Leased, target: string): Promise<void> {
    const event = sentEvent(mode, row, new Date())
    await changeWithEntry(pool, { change: SENT[row.kind], also: [CLOSED], params: [row.id, row.participant_id, target], event })
    pushAttemptsTotal.inc({ kind: row.kind, result: 'sent' })
    if (row.kind === 'handoff') deliveryLatency.observe((Date.now() - new Date(row.item.signed_at as string).getTime()) / 1000)
  }

  async function retryLater(row: Leased, target: string, error: string): Promise<void> {
    pushAttemptsTotal.inc({ kind: row.kind, result: 'failed' })
    await pool.query(TRIPPED, [row.participant_id, target, backoffMs, error.slice(0, 1000), MAX_BACKOFF_MS])
    const delay = Math.min(backoffMs * 2 ** (row.attempts - 1), MAX_BACKOFF_MS)
    if (row.kind !== 'handoff') {
      // a retraction or a re-notice is never given up: the destination must learn of it
      logger.warn({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, `delivering a ${row.kind} failed; will retry`)
      await pool.query(`UPDATE handoffs SET ${row.kind}_next_attempt_at = now() + $2 * interval '1 millisecond' WHERE id = $1`, [row.id, delay])
      return
    }
    const age = Date.now() - new Date(row.item.signed_at as string).getTime()
    if (age >= maxAgeMs) return deadLetter(row, error)
    logger.warn({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, 'delivery failed; will retry')
    await note(row.id, error, delay)
  }

  /** Past its maximum age a failing delivery stops: a dead letter, still in the destination's inbox, until an operator re-queues it. */
  async function deadLetter(row: Leased, error: string): Promise<void> {
    logger.error({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, 'delivery gave up: dead letter')
    const gaveUp = await commitChange(pool, async (tx) => {
      const { rowCount } = await tx.query(DEAD_LETTERED, [row.id, error.slice(0, 1000)])
      const audit =
        (rowCount ?? 0) === 0
          ? []
          : [
              {
                type: 'handoff.dead_lettered',
                at: new Date().toISOString(),
                handoff_id: row.id,
                destination: row.participant_id,
                attempts: row.attempts,
                manifest_sha256: row.item.manifest_sha256 as string,
              },
            ]
      return { result: audit.length > 0, audit, link: linkEntries(audit.map(() => row.id)) }
    })
    if (gaveUp) deadLettersTotal.inc()
  }

  /** Records why a delivery failed, and with `retryInMs` when to try again (bookkeeping: no audit entry). */
  async function note(id: string, error: string, retryInMs?: number): Promise<void> {
    await pool.query(
      `UPDATE handoffs SET last_error = $2, next_attempt_at = CASE WHEN $3::float8 IS NULL THEN next_attempt_at ELSE now() + $3 * interval '1 millisecond' END WHERE id = $1`,
      [id, error.slice(0, 1000), retryInMs ?? null],
    )
  }

  return {
    dispatch,
    /** Cuts the deliveries in flight short and waits for their bookkeeping (before the pool closes). */
    async stop() {
      stopping.abort(new Error('the gateway process is stopping'))
      await Promise.all(running)
    },
  }
}

/** The `<kind>_sent` entry of a message taken by its destination. */
function sentEvent(mode: DeliveryMode, row: Leased, at: Date) {
  const { type, digest } = SENT_ENTRY[row.kind]
  return { type, at: at.toISOString(), handoff_id: row.id, destination: row.participant_id, mode: mode.mode, [digest]: row.item[digest] as string }
}

function slotKey(participant: string, target: string): string {
  return `${participant}\n${target}`
}
