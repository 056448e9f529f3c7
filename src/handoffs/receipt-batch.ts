import type pg from 'pg'
import { auditEntryBytes, type AuditEvent } from '../state/commit.ts'
import { HANDOFF_COLUMNS, type HandoffRow } from './handoff-store.ts'
import { leaving, lockedById } from './handoff-transitions.ts'
import type { VerifiedMessage } from './signed-message.ts'

/** One receipt of a batch as the destination posted it. */
export interface PostedReceipt {
  handoff_id: string
  receipt: string
}

/** A receipt verified outside any transaction: its digest, and the signed message or the reason it failed. */
export interface CheckedReceipt extends PostedReceipt {
  digest: string
  /** The verified message when its claims are the plain case (this handoff, schema-valid); undefined otherwise. */
  plain: VerifiedMessage | undefined
  /** The verification's outcome, taken (or its error thrown) where the single path asks for it. */
  verification: { result(): VerifiedMessage }
}

/** What the single path answers for one receipt, or the error it threw. */
export type ReceiptOutcome<T> = { ok: true; handoff: T } | { ok: false; error: unknown }

// Every plain receipt of a batch in one statement: the handoffs that wait for one take it, each with
// its `handoff.receipt_received` entry and that entry's link, joined back by the entry's own bytes
// (each names its handoff, so no two are equal). A row it does not change is left to the single path.
const RECEIVED_MANY = `
  WITH input AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[])
                    AS i (id, jws, digest, kid, jwk, manifest_sha256, entry)),
       t AS MATERIALIZED (${lockedById('$2::uuid[]')}),
       changed AS (
         UPDATE handoffs h SET state = 'received', receipt = i.jws, receipt_sha256 = i.digest, receipt_kid = i.kid,
                               receipt_jwk = i.jwk::jsonb, received_at = $9
           FROM input i, t, reports r
          WHERE t.id = i.id AND h.id = t.id AND t.participant_id = $1 AND ${leaving('receive', 't.state')}
            AND t.manifest_sha256 = i.manifest_sha256 AND r.id = h.report_id
         RETURNING ${HANDOFF_COLUMNS}, i.entry),
       entry AS (INSERT INTO audit_entries (entry) SELECT entry FROM changed RETURNING id, entry),
       linked AS (INSERT INTO handoff_audit (audit_entry_id, handoff_id) SELECT e.id, c.id FROM entry e JOIN changed c ON c.entry = e.entry)
  SELECT * FROM changed`

/**
 * Takes a destination's receipts in one round trip where it can: the plain ones (each for a distinct
 * handoff waiting for it) in one statement, and every other one, or one the statement did not take
 * (already receipted, not yet signed, another destination's), through `single`, which answers it
 * exactly as a receipt posted alone would be (the same, a 404, a 409, a 422). Outcomes in input order.
 */
export async function receiveMany<T>(
  pool: pg.Pool,
  participant: string,
  checked: CheckedReceipt[],
  options: {
    event(receipt: CheckedReceipt, signed: VerifiedMessage, at: Date): AuditEvent
    single(receipt: CheckedReceipt): Promise<T>
    taken(row: HandoffRow): T
  },
): Promise<Array<ReceiptOutcome<T>>> {
  const seen = new Set<string>()
  // a handoff named twice goes through the single path the second time: one UPDATE changes a row once
  const plain = checked.filter((c) => c.plain && !seen.has(c.handoff_id) && seen.add(c.handoff_id))
  const taken = new Map<string, HandoffRow>()
  if (plain.length > 0) {
    const at = new Date()
    const { rows } = await pool.query<HandoffRow>(RECEIVED_MANY, [
      participant,
      plain.map((c) => c.handoff_id),
      plain.map((c) => c.receipt),
      plain.map((c) => c.digest),
      plain.map((c) => c.plain!.kid),
      plain.map((c) => JSON.stringify(c.plain!.jwk)),
      plain.map((c) => c.plain!.claims.manifest_sha256 as string),
      plain.map((c) => auditEntryBytes(options.event(c, c.plain!, at))),
      at,
    ])
    for (const row of rows) taken.set(row.id, row)
  }
  return Promise.all(
    checked.map(async (c): Promise<ReceiptOutcome<T>> => {
      const row = taken.get(c.handoff_id)
      if (row && row.receipt === c.receipt) {
        taken.delete(c.handoff_id) // a second mention of the same handoff is answered by the single path
        return { ok: true, handoff: options.taken(row) }
      }
      return options.single(c).then(
        (handoff) => ({ ok: true as const, handoff }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    }),
  )
}

/** A pushed handoff whose destination answered with a plain receipt: both its entries, ready to commit. */
export interface AnsweredPush {
  id: string
  destination: string
  /** The endpoint it was pushed to: its breaker closes. */
  target: string
  checked: CheckedReceipt & { plain: VerifiedMessage }
  /** The `handoff.sent` and `handoff.receipt_received` entries, made at the time the group commits. */
  entries(at: Date): [AuditEvent, AuditEvent]
}

// Pushed handoffs that came back receipted, many in one statement: each goes from ready to received,
// sent and received at once (push then receive, guarded as push is), with its `handoff.sent` entry then its `handoff.receipt_received` entry
// (identities are drawn in insertion order) and both links. A row it does not change is left to the
// two single steps.
const SENT_AND_RECEIVED = `
  WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::bytea[], $11::text[])
                    AS i (id, participant_id, jws, digest, kid, jwk, manifest_sha256, sent_entry, receipt_entry, endpoint)),
       closed AS (
         UPDATE delivery_endpoints e SET failures = 0, open_until = NULL, last_error = NULL, updated_at = now()
           FROM (SELECT DISTINCT participant_id, endpoint FROM input) t
          WHERE e.participant_id = t.participant_id AND e.endpoint = t.endpoint AND e.failures > 0),
       t AS MATERIALIZED (${lockedById('$1::uuid[]')}),
       changed AS (
         UPDATE handoffs h SET state = 'received', sent_at = $10, next_attempt_at = NULL, last_error = NULL, receipt = i.jws,
                               receipt_sha256 = i.digest, receipt_kid = i.kid, receipt_jwk = i.jwk::jsonb, received_at = $10
           FROM input i, t
          WHERE t.id = i.id AND h.id = t.id AND t.participant_id = i.participant_id AND ${leaving('push', 't.state')}
            AND t.manifest_sha256 = i.manifest_sha256
         RETURNING h.id, h.created_at, i.sent_entry, i.receipt_entry),
       entry AS (
         INSERT INTO audit_entries (entry)
         SELECT v.entry FROM changed c CROSS JOIN LATERAL (VALUES (1, c.sent_entry), (2, c.receipt_entry)) AS v (n, entry) ORDER BY c.id, v.n
         RETURNING id, entry),
       linked AS (
         INSERT INTO handoff_audit (audit_entry_id, handoff_id)
         SELECT e.id, c.id FROM entry e JOIN changed c ON e.entry IN (c.sent_entry, c.receipt_entry))
  SELECT id, created_at FROM changed`

/** Commits the answered pushes it can in one statement: the ids it took, with when each handoff was made. */
export async function sentAndReceived(pool: pg.Pool, answered: AnsweredPush[], at: Date): Promise<Map<string, Date>> {
  const entries = answered.map((a) => a.entries(at).map(auditEntryBytes))
  const { rows } = await pool.query<{ id: string; created_at: Date }>(SENT_AND_RECEIVED, [
    answered.map((a) => a.id),
    answered.map((a) => a.destination),
    answered.map((a) => a.checked.receipt),
    answered.map((a) => a.checked.digest),
    answered.map((a) => a.checked.plain.kid),
    answered.map((a) => JSON.stringify(a.checked.plain.jwk)),
    answered.map((a) => a.checked.plain.claims.manifest_sha256 as string),
    entries.map(([sent]) => sent!),
    entries.map(([, received]) => received!),
    at,
    answered.map((a) => a.target),
  ])
  return new Map(rows.map((r) => [r.id, r.created_at]))
}
