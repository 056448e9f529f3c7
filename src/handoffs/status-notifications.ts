import type pg from 'pg'
import type { Logger } from 'pino'
import type { RequestSigner } from '../crypto/request-signer.ts'
import { uuid7 } from '../crypto/uuid7.ts'
import { httpsPost } from './https-post.ts'
import { timelineEntry, type HandoffRow, type StatusRow } from './handoff-store.ts'

/** Where a sender wants its handoffs' status changes sent (delivery.notify_endpoint), if anywhere. */
export type NotifyEndpointOf = (senderId: string) => string | undefined

/**
 * In the transaction that stores a status: the notification for the report's sender, its body made
 * once under its own id (schemas/status-notification.json). A retry sends these bytes again.
 */
export async function queueNotification(tx: pg.ClientBase, row: HandoffRow, status: StatusRow, endpoint: string): Promise<void> {
  const id = uuid7()
  const body = JSON.stringify({
    notification_id: id,
    handoff_id: row.id,
    report_id: row.report_id,
    case_id: row.case_id,
    destination: row.participant_id,
    seq: status.seq,
    ...timelineEntry(status),
    reason_code: status.reason_code,
    // the destination's own signed words, for a sender that wants to check them against the directory
    status_jws: status.jws,
  })
  await tx.query(
    'INSERT INTO status_notifications (id, handoff_id, seq, sender_id, endpoint, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
    [id, row.id, status.seq, row.sender_id, endpoint, body],
  )
}

// Leased, not locked over the network: a process that dies mid-request leaves the row to whoever finds its lease run out.
const LEASE = `
  UPDATE status_notifications SET attempts = attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
   WHERE id IN (SELECT id FROM status_notifications WHERE delivered_at IS NULL AND next_attempt_at <= now()
                 ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, endpoint, body, attempts`

const MAX_BACKOFF_MS = 3_600_000

export interface NotifierOptions {
  pool: pg.Pool
  logger: Logger
  signRequest: RequestSigner
  /** Extra trusted CA certificates (PEM) for the endpoints; NODE_EXTRA_CA_CERTS works too. */
  ca?: string | Buffer
  /** First retry delay, doubling per failed attempt up to an hour (default 5 s). */
  backoffMs?: number
  timeoutMs?: number
  batchSize?: number
}

/**
 * The status-notification outbox worker: POSTs each due notification to its sender's notify endpoint,
 * signed per RFC 9421, the same body under the same id every time, until a 2xx. Never given up: a
 * failing endpoint is tried at most hourly.
 */
export function createStatusNotifier(options: NotifierOptions) {
  const { pool, logger } = options
  const backoffMs = options.backoffMs ?? 5_000

  async function step(): Promise<number> {
    const { rows } = await pool.query<{ id: string; endpoint: string; body: string; attempts: number }>(LEASE, [options.batchSize ?? 32, 60_000])
    await Promise.all(rows.map(deliver))
    return rows.length
  }

  async function deliver(row: { id: string; endpoint: string; body: string; attempts: number }): Promise<void> {
    const headers = await options.signRequest({ method: 'POST', url: row.endpoint, contentType: 'application/json', body: row.body })
    const status = await httpsPost(row.endpoint, row.body, headers, { timeoutMs: options.timeoutMs ?? 10_000, ca: options.ca }).then(
      (answer) => answer.status,
      (error: Error) => error.message,
    )
    if (typeof status === 'number' && status >= 200 && status < 300) {
      await pool.query('UPDATE status_notifications SET delivered_at = now(), last_error = NULL WHERE id = $1', [row.id])
      return
    }
    const error = typeof status === 'number' ? `HTTP ${status}` : status
    const delay = Math.min(backoffMs * 2 ** Math.min(row.attempts - 1, 20), MAX_BACKOFF_MS)
    logger.warn({ notification: row.id, attempts: row.attempts, error }, 'a status notification failed; will retry')
    await pool.query(`UPDATE status_notifications SET last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond' WHERE id = $1`, [
      row.id,
      error.slice(0, 1000),
      delay,
    ])
  }

  return { step }
}
