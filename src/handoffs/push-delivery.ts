import type pg from 'pg'
import type { Logger } from 'pino'
import type { RequestSigner } from '../crypto/request-signer.ts'
import type { DirectoryService } from '../directory/directory-service.ts'
import type { Participant } from '../directory/participant.ts'
import { commitChange } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import { httpsPost } from './https-post.ts'
import type { HandoffService } from './handoff-service.ts'

export interface PushDeliveryOptions {
  pool: pg.Pool
  directory: DirectoryService
  handoffs: Pick<HandoffService, 'receipt' | 'retractionReceipt'>
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
  /** Most requests in flight from this process to one destination (default 16). */
  perDestination?: number
  /** Most requests in flight from this process in all (default 256). */
  overall?: number
  /** Called when a delivery finished, so that a loop can lease the next one at once. */
  onSettled?: () => void
}

interface Leased {
  id: string
  participant_id: string
  attempts: number
  /** A signed handoff, or the retraction of one (its report was withdrawn by the sender). */
  kind: 'handoff' | 'retraction' | 'renotice'
  item: Record<string, unknown>
}

// A lease, not a lock held over the network: the claim commits at once, and a worker that dies
// mid-request leaves the row to whoever finds its lease run out. Each destination is leased on its
// own, up to its free slots, urgent first then oldest (the handoffs_push index); an endpoint whose
// breaker is open is skipped, and one that failed before is probed with a single handoff.
const LEASE = `
  UPDATE handoffs h SET attempts = h.attempts + 1, next_attempt_at = now() + $3 * interval '1 millisecond'
    FROM reports r
   WHERE r.id = h.report_id AND h.id IN (
         SELECT c.id
           FROM unnest($1::text[], $2::int[], $4::bool[]) AS d (participant_id, slots, urgent_only)
           LEFT JOIN delivery_endpoints e ON e.participant_id = d.participant_id
           CROSS JOIN LATERAL (
                 SELECT id FROM handoffs
                  WHERE state = 'ready' AND participant_id = d.participant_id AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                    AND (urgent OR NOT d.urgent_only)
                  ORDER BY urgent DESC, created_at
                  LIMIT CASE WHEN coalesce(e.failures, 0) > 0 THEN 1 ELSE d.slots END
                    FOR UPDATE SKIP LOCKED) c
          WHERE e.open_until IS NULL OR e.open_until <= now())
  RETURNING h.id, h.participant_id, h.attempts, 'handoff' AS kind,
            jsonb_build_object('id', h.id, 'case_id', h.case_id, 'report_id', h.report_id, 'sender', r.sender_id, 'format', h.format,
                               'urgent', h.urgent, 'manifest', h.manifest, 'manifest_sha256', h.manifest_sha256, 'payload', h.payload,
                               'payload_media_type', h.payload_media_type, 'payload_sha256', h.payload_sha256, 'signed_at', h.signed_at) AS item`

// Messages the gateway sends about a handoff it delivered, kept in the handoff's `<kind>_` columns:
// retractions (they go first: a destination should stop acting on a withdrawn report at once) and
// re-notices (a platform has not removed the content yet).
const sideLease = (kind: 'retraction' | 'renotice') => `
  UPDATE handoffs h SET ${kind}_attempts = h.${kind}_attempts + 1,
                        ${kind}_next_attempt_at = now() + $3 * interval '1 millisecond'
   WHERE h.id IN (
         SELECT c.id
           FROM unnest($1::text[], $2::int[]) AS d (participant_id, slots)
           LEFT JOIN delivery_endpoints e ON e.participant_id = d.participant_id
           CROSS JOIN LATERAL (
                 SELECT id FROM handoffs
                  WHERE ${kind}_state = 'ready' AND participant_id = d.participant_id
                    AND (${kind}_next_attempt_at IS NULL OR ${kind}_next_attempt_at <= now())
                  ORDER BY ${kind}_seq
                  LIMIT CASE WHEN coalesce(e.failures, 0) > 0 THEN 1 ELSE d.slots END
                    FOR UPDATE SKIP LOCKED) c
          WHERE e.open_until IS NULL OR e.open_until <= now())
  RETURNING h.id, h.participant_id, h.${kind}_attempts AS attempts, '${kind}' AS kind,
            jsonb_build_object('handoff_id', h.id, '${kind}', h.${kind}, '${kind}_sha256', h.${kind}_sha256) AS item`
const LEASE_RETRACTIONS = sideLease('retraction')
const LEASE_RENOTICES = sideLease('renotice')

// The breaker opens for backoff × 2^(failures-1), with jitter (50–100 %) so that processes do not probe in step.
const TRIPPED = `
  INSERT INTO delivery_endpoints AS e (participant_id, failures, open_until, last_error)
  VALUES ($1, 1, now() + $2 * (0.5 + random() / 2) * interval '1 millisecond', $3)
  ON CONFLICT (participant_id) DO UPDATE
     SET failures = e.failures + 1, last_error = $3, updated_at = now(),
         open_until = now() + least($2 * 2 ^ e.failures, $4) * (0.5 + random() / 2) * interval '1 millisecond'`

const CLOSED = `UPDATE delivery_endpoints SET failures = 0, open_until = NULL, last_error = NULL, updated_at = now() WHERE participant_id = $1 AND failures > 0`

const MAX_BACKOFF_MS = 3_600_000

/** What "sent" means for each kind of pushed message: its row change, its audit entry and the digest that entry names. */
const SENT = {
  handoff: {
    update: `UPDATE handoffs SET state = 'sent', sent_at = now(), next_attempt_at = NULL, last_error = NULL
              WHERE id = $1 AND state = 'ready' RETURNING manifest_sha256 AS digest`,
    type: 'handoff.sent',
    digest: 'manifest_sha256',
  },
  retraction: {
    update: `UPDATE handoffs SET retraction_state = 'sent', retraction_sent_at = now(), retraction_next_attempt_at = NULL
              WHERE id = $1 AND retraction_state = 'ready' RETURNING retraction_sha256 AS digest`,
    type: 'handoff.retraction_sent',
    digest: 'retraction_sha256',
  },
  renotice: {
    update: `UPDATE handoffs SET renotice_state = 'sent', renotice_sent_at = now(), renotice_next_attempt_at = NULL
              WHERE id = $1 AND renotice_state = 'ready' RETURNING renotice_sha256 AS digest`,
    type: 'handoff.renotice_sent',
    digest: 'renotice_sha256',
  },
} as const

/**
 * Push delivery to destinations whose directory entry says `{ mode: push, endpoint }`: each signed
 * handoff is POSTed (one inbox item, schemas/handoff-inbox.json) to the endpoint over HTTPS. A 2xx
 * marks it sent (handoff.sent, once); a `receipt` JWS in the answer is taken as if the destination had
 * posted it. Anything else is retried with exponential backoff, counted in the row, and trips the
 * endpoint's breaker (shared by every process). The same manifest and payload bytes every time.
 * Destinations are isolated: each has its own slots, so a slow one never holds up another's handoffs.
 */
export function createPushDelivery(options: PushDeliveryOptions) {
  const { pool, logger } = options
  const backoffMs = options.backoffMs ?? 5_000
  const maxAgeMs = options.maxAgeMs ?? 86_400_000
  const perDestination = options.perDestination ?? 16
  const overall = options.overall ?? 256
  const inFlight = new Map<string, number>()
  const running = new Set<Promise<void>>()
  let turn = 0
  // stopping cuts requests short: their leases run out and any process sends the same bytes again
  const stopping = new AbortController()

  /** Leases what is due for every destination with a free slot and starts those deliveries; how many it started. */
  async function dispatch(): Promise<Promise<void>[]> {
    const current = await options.directory.current()
    // pushed to: push-mode destinations, and pull-mode ones with an urgent endpoint (their urgent handoffs only)
    const push = new Map(
      (current?.document.participants ?? []).filter((p) => p.delivery.mode === 'push' || p.delivery.urgent_endpoint).map((p) => [p.id, p]),
    )
    const urgentOnly = (id: string) => push.get(id)!.delivery.mode === 'pull'
    // a different destination first each time: when the overall bound leaves some without slots, not always the same ones
    const ids = [...push.keys()]
    const first = turn++ % Math.max(ids.length, 1)
    const order = [...ids.slice(first), ...ids.slice(0, first)]
    let started: Promise<void>[] = []
    for (const lease of [LEASE_RETRACTIONS, LEASE_RENOTICES, LEASE]) {
      // retractions and re-notices to a destination that pulls wait in its inbox
      const wanted = freeSlots(lease === LEASE ? order : order.filter((id) => !urgentOnly(id)))
      if (wanted.length === 0) continue
      const params = [wanted.map(([id]) => id), wanted.map(([, n]) => n), options.leaseMs ?? 60_000]
      const { rows } = await pool.query<Leased>(lease, lease === LEASE ? [...params, wanted.map(([id]) => urgentOnly(id))] : params)
      started = [...started, ...rows.map((row) => track(row, push.get(row.participant_id)!))]
    }
    return started
  }

  /** Each destination's free slots in this process, within the overall bound. */
  function freeSlots(destinations: string[]): Array<[string, number]> {
    let free = overall - running.size
    const wanted: Array<[string, number]> = []
    for (const id of destinations) {
      const slots = Math.min(perDestination - (inFlight.get(id) ?? 0), free)
      if (slots <= 0) continue
      wanted.push([id, slots])
      free -= slots
    }
    return wanted
  }

  function track(row: Leased, destination: Participant): Promise<void> {
    inFlight.set(row.participant_id, (inFlight.get(row.participant_id) ?? 0) + 1)
    const delivery = deliver(row, destination)
      .catch((error) => logger.error({ err: error, handoff: row.id, destination: row.participant_id }, 'push delivery bookkeeping failed'))
      .finally(() => {
        inFlight.set(row.participant_id, inFlight.get(row.participant_id)! - 1)
        running.delete(delivery)
        options.onSettled?.()
      })
    running.add(delivery)
    return delivery
  }

  /** Leases and delivers what is due now, and waits for those deliveries; how many there were. */
  async function step(): Promise<number> {
    const started = await dispatch()
    await Promise.all(started)
    return started.length
  }

  async function deliver(row: Leased, destination: Participant): Promise<void> {
    const endpoint = endpointFor(row, destination)
    const body = JSON.stringify(bodyOf(row))
    // signed afresh for each attempt (created, expires, nonce); a signing failure is ours, not the endpoint's
    const headers = await options.signRequest({ method: 'POST', url: endpoint, contentType: 'application/json', body })
    let answer: { status: number; body: string }
    try {
      answer = await post(endpoint, body, headers)
    } catch (error) {
      if (stopping.signal.aborted) return // not the endpoint's fault: the lease runs out and it is sent again
      return retryLater(row, (error as Error).message)
    }
    if (answer.status < 200 || answer.status > 299) return retryLater(row, `HTTP ${answer.status}`)
    await markSent(row)
    const receipt = receiptIn(answer.body)
    if (!receipt || row.kind === 'renotice') return // a re-notice is answered by a status, not a receipt
    try {
      await (row.kind === 'handoff' ? options.handoffs.receipt : options.handoffs.retractionReceipt)(row.id, destination, receipt)
    } catch (error) {
      // the destination can still post a good receipt itself
      logger.warn({ handoff: row.id, destination: row.participant_id, err: error }, `the receipt in a push answer (${row.kind}) was refused`)
      await note(row.id, `receipt in the push answer refused: ${(error as Error).message}`)
    }
  }

  function bodyOf(row: Leased): Record<string, unknown> {
    if (row.kind !== 'handoff') return row.item
    return { ...row.item, signed_at: new Date(row.item.signed_at as string).toISOString() }
  }

  /** A 2xx: the handoff (or its retraction) is sent, once, and the endpoint's breaker closes. */
  async function markSent(row: Leased): Promise<void> {
    const { update, type, digest } = SENT[row.kind]
    await commitChange(pool, async (tx) => {
      const { rows } = await tx.query<{ digest: string }>(update, [row.id])
      const at = new Date().toISOString()
      const audit = rows.map((r) => ({ type, at, handoff_id: row.id, destination: row.participant_id, mode: 'push', [digest]: r.digest }))
      await tx.query(CLOSED, [row.participant_id])
      return { result: undefined, audit, link: linkEntries(rows.map(() => row.id)) }
    })
  }

  async function retryLater(row: Leased, error: string): Promise<void> {
    await pool.query(TRIPPED, [row.participant_id, backoffMs, error.slice(0, 1000), MAX_BACKOFF_MS])
    if (row.kind !== 'handoff') return retrySideLater(row, row.kind, error)
    const age = Date.now() - new Date(row.item.signed_at as string).getTime()
    if (age >= maxAgeMs) return deadLetter(row, error)
    const delay = Math.min(backoffMs * 2 ** (row.attempts - 1), MAX_BACKOFF_MS)
    logger.warn({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, 'push delivery failed; will retry')
    await note(row.id, error, delay)
  }

  /** A retraction or re-notice is retried with the same backoff and never given up: the destination must learn of it. */
  async function retrySideLater(row: Leased, kind: 'retraction' | 'renotice', error: string): Promise<void> {
    const delay = Math.min(backoffMs * 2 ** (row.attempts - 1), MAX_BACKOFF_MS)
    logger.warn({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, `pushing a ${kind} failed; will retry`)
    await pool.query(`UPDATE handoffs SET ${kind}_next_attempt_at = now() + $2 * interval '1 millisecond' WHERE id = $1`, [row.id, delay])
  }

  /** Past its maximum age a failing push stops: a dead letter, still in the destination's inbox, until an operator re-queues it. */
  async function deadLetter(row: Leased, error: string): Promise<void> {
    logger.error({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, 'push delivery gave up: dead letter')
    await commitChange(pool, async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE handoffs SET state = 'dead_letter', last_error = $2, next_attempt_at = NULL WHERE id = $1 AND state = 'ready'`,
        [row.id, error.slice(0, 1000)],
      )
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
      return { result: undefined, audit, link: linkEntries(audit.map(() => row.id)) }
    })
  }

  /** Records why a delivery failed, and with `retryInMs` when to try again (bookkeeping: no audit entry). */
  async function note(id: string, error: string, retryInMs?: number): Promise<void> {
    await commitChange(pool, async (tx) => {
      await tx.query(
        `UPDATE handoffs SET last_error = $2, next_attempt_at = CASE WHEN $3::float8 IS NULL THEN next_attempt_at ELSE now() + $3 * interval '1 millisecond' END WHERE id = $1`,
        [id, error.slice(0, 1000), retryInMs ?? null],
      )
      return { result: undefined, audit: [] }
    })
  }

  function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return httpsPost(url, body, headers, { timeoutMs: options.timeoutMs ?? 10_000, signal: stopping.signal, ca: options.ca })
  }

  return {
    step,
    dispatch: async () => (await dispatch()).length,
    /** Cuts the requests in flight short and waits for their bookkeeping (before the pool closes). */
    async stop() {
      stopping.abort(new Error('the gateway process is stopping'))
      await Promise.all(running)
    },
  }
}

/** Where a message goes: an urgent handoff to the urgent endpoint where there is one, anything else to the endpoint. */
function endpointFor(row: Leased, destination: Participant): string {
  const { urgent_endpoint: urgentEndpoint } = destination.delivery
  if (row.kind === 'handoff' && row.item.urgent === true && urgentEndpoint) return urgentEndpoint
  return (destination.delivery as { endpoint: string }).endpoint
}

function receiptIn(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { receipt?: unknown }
    return typeof parsed?.receipt === 'string' ? parsed.receipt : undefined
  } catch {
    return undefined
  }
}
