import type { IncomingMessage, ServerResponse } from 'node:http'
import { ReceiverError } from './receiver-error.ts'
import { createSignedRequestVerifier, type PushRequest, type PushVerifierOptions } from './verify-push.ts'

/** A status change of a handoff of one of your reports, as the gateway sends it to your delivery.notify_endpoint. */
export interface StatusNotification {
  /** The same on every retry: handle each id once. */
  notification_id: string
  handoff_id: string
  report_id: string
  case_id: string
  destination: string
  seq: number
  status: string
  outcome: string | null
  reason_code: string | null
  occurred_at: string
  at: string
  iccam: string | null
  /** The destination's signed status message (JWS typ hotline-gateway-handoff-status+jws). */
  status_jws: string
}

/**
 * Verifies a status notification from the gateway: the same RFC 9421 signature, Content-Digest,
 * freshness and replay checks as a push, then its shape. Throws ReceiverError (NOTIFICATION_MALFORMED
 * for a body that is not a notification).
 */
export function createNotificationVerifier(options: Omit<PushVerifierOptions, 'participant'>) {
  const verifyRequest = createSignedRequestVerifier(options)
  return async function verifyNotification(request: PushRequest): Promise<StatusNotification> {
    const body = (await verifyRequest(request)) as Partial<StatusNotification> | null
    for (const field of ['notification_id', 'handoff_id', 'status', 'status_jws'] as const)
      if (typeof body?.[field] !== 'string') throw new ReceiverError('NOTIFICATION_MALFORMED', `a status notification has a ${field}`)
    return body as StatusNotification
  }
}

/**
 * A node:http(s) request listener for your notify endpoint: verifies each notification, hands it to
 * `onNotification` (once per notification_id in this process) and answers 204; a refusal is a 401/400.
 */
export function notificationHandler(
  options: Omit<PushVerifierOptions, 'participant'> & {
    onNotification(notification: StatusNotification): void | Promise<void>
    /** The URL the gateway posts to, when a proxy in front changes it. */
    publicUrl?: string
    /** Told of each refusal (to log it). */
    onRefused?(error: ReceiverError): void
  },
) {
  const verify = createNotificationVerifier(options)
  const seen = new Set<string>()
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      try {
        const url = new URL(req.url ?? '/', options.publicUrl ?? `https://${req.headers.host}`).href
        const notification = await verify({ method: req.method!, url, headers: req.headers, body: Buffer.concat(chunks) })
        if (!seen.has(notification.notification_id)) await options.onNotification(notification)
        seen.add(notification.notification_id)
        res.writeHead(204).end()
      } catch (error) {
        if (error instanceof ReceiverError) options.onRefused?.(error)
        const code = error instanceof ReceiverError ? error.code : 'RECEIVER_UNAVAILABLE'
        const status = error instanceof ReceiverError ? (/^SIGNATURE|^DIGEST/.test(code) ? 401 : 400) : 503
        res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status, code, title: code }))
      }
    })
  }
}
