import { request } from 'node:https'
import type pg from 'pg'
import type { Logger } from 'pino'
import type { DirectoryService } from '../directory/directory-service.ts'
import type { Participant } from '../directory/participant.ts'
import { commitChange } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import type { HandoffService } from './handoff-service.ts'

export interface PushDeliveryOptions {
  pool: pg.Pool
  directory: DirectoryService
  handoffs: Pick<HandoffService, 'receipt'>
  logger: Logger
  /** Extra trusted CA certificates (PEM) for the endpoints; NODE_EXTRA_CA_CERTS works too. */
  ca?: string | Buffer
  /** Per request (default 10 s). */
  timeoutMs?: number
  /** How long a claimed delivery is left to one worker before another may retry it (default 60 s). */
  leaseMs?: number
  /** First retry delay, doubling with each failed attempt up to an hour (default 5 s). */
  backoffMs?: number
  /** Most deliveries per step (default 10). */
  batchSize?: number
}

interface Leased {
  id: string
  participant_id: string
  attempts: number
  item: Record<string, unknown>
}

// A lease, not a lock held over the network: the claim commits at once, and a worker that dies
// mid-request leaves the row to whoever finds its lease run out.
const LEASE = `
  UPDATE handoffs h SET attempts = h.attempts + 1, next_attempt_at = now() + $3 * interval '1 millisecond'
    FROM reports r
   WHERE r.id = h.report_id AND h.id IN (
         SELECT id FROM handoffs
          WHERE state = 'ready' AND participant_id = ANY($1::text[]) AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          ORDER BY urgent DESC, created_at LIMIT $2
            FOR UPDATE SKIP LOCKED)
  RETURNING h.id, h.participant_id, h.attempts,
            jsonb_build_object('id', h.id, 'case_id', h.case_id, 'report_id', h.report_id, 'sender', r.sender_id, 'format', h.format,
                               'urgent', h.urgent, 'manifest', h.manifest, 'manifest_sha256', h.manifest_sha256, 'payload', h.payload,
                               'payload_media_type', h.payload_media_type, 'payload_sha256', h.payload_sha256, 'signed_at', h.signed_at) AS item`

const MAX_BACKOFF_MS = 3_600_000

/**
 * Push delivery to destinations whose directory entry says `{ mode: push, endpoint }`: each signed
 * handoff is POSTed (one inbox item, schemas/handoff-inbox.json) to the endpoint over HTTPS. A 2xx
 * marks it sent (handoff.sent, once); a `receipt` JWS in the answer is taken as if the destination had
 * posted it. Anything else is retried with exponential backoff, counted in the row. The same manifest
 * and payload bytes every time.
 */
export function createPushDelivery(options: PushDeliveryOptions) {
  const { pool, logger } = options
  const backoffMs = options.backoffMs ?? 5_000

  async function step(): Promise<number> {
    const current = await options.directory.current()
    const push = new Map((current?.document.participants ?? []).filter((p) => p.delivery.mode === 'push').map((p) => [p.id, p]))
    if (push.size === 0) return 0
    const leased = await commitChange(pool, async (tx) => ({
      result: (await tx.query<Leased>(LEASE, [[...push.keys()], options.batchSize ?? 10, options.leaseMs ?? 60_000])).rows,
      audit: [],
    }))
    await Promise.all(leased.map((row) => deliver(row, push.get(row.participant_id)!)))
    return leased.length
  }

  async function deliver(row: Leased, destination: Participant): Promise<void> {
    const endpoint = (destination.delivery as { endpoint: string }).endpoint
    let answer: { status: number; body: string }
    try {
      answer = await post(endpoint, JSON.stringify({ ...row.item, signed_at: new Date(row.item.signed_at as string).toISOString() }))
    } catch (error) {
      return retryLater(row, (error as Error).message)
    }
    if (answer.status < 200 || answer.status > 299) return retryLater(row, `HTTP ${answer.status}`)
    await markSent(row)
    const receipt = receiptIn(answer.body)
    if (!receipt) return
    try {
      await options.handoffs.receipt(row.id, destination, receipt)
    } catch (error) {
      // the destination can still post a good receipt itself
      logger.warn({ handoff: row.id, destination: row.participant_id, err: error }, 'the receipt in a push answer was refused')
      await note(row.id, `receipt in the push answer refused: ${(error as Error).message}`)
    }
  }

  async function markSent(row: Leased): Promise<void> {
    await commitChange(pool, async (tx) => {
      const { rows } = await tx.query(
        `UPDATE handoffs SET state = 'sent', sent_at = now(), next_attempt_at = NULL, last_error = NULL WHERE id = $1 AND state = 'ready' RETURNING manifest_sha256`,
        [row.id],
      )
      const audit = rows.map((r) => ({
        type: 'handoff.sent',
        at: new Date().toISOString(),
        handoff_id: row.id,
        destination: row.participant_id,
        mode: 'push',
        manifest_sha256: r.manifest_sha256 as string,
      }))
      return { result: undefined, audit, link: linkEntries(rows.map(() => row.id)) }
    })
  }

  async function retryLater(row: Leased, error: string): Promise<void> {
    const delay = Math.min(backoffMs * 2 ** (row.attempts - 1), MAX_BACKOFF_MS)
    logger.warn({ handoff: row.id, destination: row.participant_id, attempts: row.attempts, error }, 'push delivery failed; will retry')
    await note(row.id, error, delay)
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

  function post(url: string, body: string): Promise<{ status: number; body: string }> {
    const timeoutMs = options.timeoutMs ?? 10_000
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: timeoutMs,
          ...(options.ca ? { ca: options.ca } : {}),
        },
        (res) => {
          let data = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            data += chunk
            if (data.length > 65_536) req.destroy(new Error('the answer is larger than 64 KiB'))
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })
  }

  return { step }
}

function receiptIn(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { receipt?: unknown }
    return typeof parsed?.receipt === 'string' ? parsed.receipt : undefined
  } catch {
    return undefined
  }
}
