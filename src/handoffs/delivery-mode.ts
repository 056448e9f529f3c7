import type pg from 'pg'
import type { RequestSigner } from '../crypto/request-signer.ts'
import type { Participant } from '../directory/participant.ts'
import type { SideKind } from './handoff-transitions.ts'
import { pushMessage } from './push-request.ts'

/** A signed message leased for delivery: a handoff, or the retraction of one (its report was withdrawn by the sender). */
export interface Leased {
  id: string
  participant_id: string
  attempts: number
  kind: 'handoff' | 'retraction' | 'renotice'
  /** What the destination is sent (schemas/handoff-inbox.json): the same bytes on every attempt. */
  item: Record<string, unknown>
}

/** One destination a mode wants messages for: where they go, and how many this process may start now. */
export interface Wanted {
  destination: Participant
  /** The endpoint (or other address) this mode sends the destination's messages to; its breaker is keyed by it. */
  target: string
  slots: number
}

/** What a mode's deliver has to hand: the gateway's request signer and the transport settings. */
export interface DeliveryContext {
  signRequest: RequestSigner
  ca?: string | Buffer
  timeoutMs?: number
  /** Aborted when the process stops: cut the attempt short (its lease runs out and it is sent again). */
  signal: AbortSignal
}

/** How an attempt ended: taken (with the destination's receipt when it answered with one), or failed and why. */
export type Delivered = { ok: true; receipt?: string } | { ok: false; error: string }

/**
 * A delivery mode: a way of taking signed messages to their destinations, run by its own loop in every
 * gateway process (src/handoffs/delivery-modes.ts lists them). The dispatcher does the rest, the same
 * for every mode: per-target slots and the overall bound, the breaker per target shared through the
 * database, marking the message sent (once, audited), backoff, dead letters, a receipt in the answer.
 * A new mode (an SFTP drop, an e-mail notification) is one file with these four members and one line
 * in the registry. The pull inbox (src/handoffs/inbox.ts) is the one mode driven by requests instead.
 */
export interface DeliveryMode {
  /** The loop's name, in log lines. */
  name: string
  /** The delivery mode recorded in the `handoff.sent` entry (the directory's `delivery.mode` vocabulary). */
  mode: string
  /** Where this mode sends `destination`'s messages; undefined: it does not serve this destination. */
  target(destination: Participant): string | undefined
  /** Leases up to each destination's slots of due messages (a lease commits at once: it is not a lock held over the network). */
  claim(pool: pg.Pool, wanted: Wanted[], leaseMs: number): Promise<Leased[]>
  /** Takes one message to `target`. A rejection is the gateway's own failure (logged; the lease runs out and it is tried again). */
  deliver(message: Leased, target: string, context: DeliveryContext): Promise<Delivered>
}

// Each destination is leased on its own, up to its free slots, urgent first then oldest (the
// handoffs_push index); a target whose breaker is open is skipped, and one that failed before is
// probed with a single message. `urgent`: 'only' its urgent handoffs, 'skip' them, or 'any'.
const LEASE_HANDOFFS = `
  UPDATE handoffs h SET attempts = h.attempts + 1, next_attempt_at = now() + $5 * interval '1 millisecond'
    FROM reports r
   WHERE r.id = h.report_id AND h.id IN (
         SELECT c.id
           FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS d (participant_id, endpoint, slots, urgent)
           LEFT JOIN delivery_endpoints e ON e.participant_id = d.participant_id AND e.endpoint = d.endpoint
           CROSS JOIN LATERAL (
                 SELECT id FROM handoffs
                  WHERE state = 'ready' AND participant_id = d.participant_id AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                    AND (d.urgent = 'any' OR urgent = (d.urgent = 'only'))
                  ORDER BY urgent DESC, created_at
                  LIMIT CASE WHEN coalesce(e.failures, 0) > 0 THEN 1 ELSE d.slots END
                    FOR UPDATE SKIP LOCKED) c
          WHERE e.open_until IS NULL OR e.open_until <= now())
  RETURNING h.id, h.participant_id, h.attempts, 'handoff' AS kind,
            jsonb_build_object('id', h.id, 'case_id', h.case_id, 'report_id', h.report_id, 'sender', r.sender_id, 'format', h.format,
                               'urgent', h.urgent, 'manifest', h.manifest, 'manifest_sha256', h.manifest_sha256, 'payload', h.payload,
                               'payload_media_type', h.payload_media_type, 'payload_sha256', h.payload_sha256, 'signed_at', h.signed_at) AS item`

// Messages the gateway sends about a handoff it delivered, kept in the handoff's `<kind>_` columns:
// retractions (a destination should stop acting on a withdrawn report at once) and re-notices (a
// platform has not removed the content yet), each in its own order.
const sideLease = (kind: SideKind) => `
  UPDATE handoffs h SET ${kind}_attempts = h.${kind}_attempts + 1,
                        ${kind}_next_attempt_at = now() + $4 * interval '1 millisecond'
   WHERE h.id IN (
         SELECT c.id
           FROM unnest($1::text[], $2::text[], $3::int[]) AS d (participant_id, endpoint, slots)
           LEFT JOIN delivery_endpoints e ON e.participant_id = d.participant_id AND e.endpoint = d.endpoint
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

/** Leases due signed handoffs for `wanted`; `urgent(destination)` says which of them this mode carries. */
export async function leaseHandoffs(
  pool: pg.Pool,
  wanted: Wanted[],
  leaseMs: number,
  urgent: (destination: Participant) => 'only' | 'skip' | 'any',
): Promise<Leased[]> {
  const { rows } = await pool.query<Leased>(LEASE_HANDOFFS, [...columns(wanted), wanted.map((w) => urgent(w.destination)), leaseMs])
  // the JSON of a timestamp is PostgreSQL's; the destination is sent RFC 3339 as everywhere else
  for (const row of rows) row.item.signed_at = new Date(row.item.signed_at as string).toISOString()
  return rows
}

/**
 * The push mode of the messages about a delivered handoff (retractions, re-notices): to a push
 * destination's endpoint, never given up; a pulling destination finds them in its inbox.
 */
export function sidePush(kind: SideKind): DeliveryMode {
  const lease = sideLease(kind)
  return {
    name: `${kind} push delivery`,
    mode: 'push',
    target: pushEndpoint,
    claim: async (pool, wanted, leaseMs) => (await pool.query<Leased>(lease, [...columns(wanted), leaseMs])).rows,
    deliver: pushMessage,
  }
}

/** A push destination's endpoint. */
export const pushEndpoint = (destination: Participant): string | undefined =>
  destination.delivery.mode === 'push' ? destination.delivery.endpoint : undefined

function columns(wanted: Wanted[]): [string[], string[], number[]] {
  return [wanted.map((w) => w.destination.id), wanted.map((w) => w.target), wanted.map((w) => w.slots)]
}
