import type { JWK } from 'jose'
import type pg from 'pg'
import type { Principal } from '../auth/access.ts'
import type { ReportFormat } from '../directory/participant.ts'
import { HandoffError } from './handoff-error.ts'
import { ICCAM_ACTIONS, type TakedownStatus } from './takedown-status.ts'

export interface StatusRow {
  seq: number
  status: TakedownStatus
  reason_code: string | null
  outcome: string | null
  occurred_at: string
  at: string
  sha256: string
  /** null once purged under the retention policy */
  jws: string | null
  kid: string
  jwk: JWK
}

export interface HandoffRow {
  id: string
  case_id: string
  report_id: string
  sender_id: string
  participant_id: string
  format: ReportFormat
  urgent: boolean
  state: 'pending' | 'ready' | 'sent' | 'received' | 'failed' | 'withdrawn' | 'dead_letter'
  created_at: Date
  signed_at: Date | null
  sent_at: Date | null
  received_at: Date | null
  manifest: string | null
  manifest_sha256: string | null
  payload_sha256: string | null
  payload_media_type: string | null
  receipt: string | null
  receipt_sha256: string | null
  receipt_kid: string | null
  receipt_jwk: JWK | null
  attempts: number
  last_error: string | null
  retraction: string | null
  retraction_sha256: string | null
  retraction_state: 'ready' | 'sent' | 'received' | null
  retraction_sent_at: Date | null
  retraction_receipt: string | null
  retraction_receipt_sha256: string | null
  retraction_received_at: Date | null
  payload_purged_at: Date | null
  receipts_purged_at: Date | null
  statuses: StatusRow[]
}

/** A HandoffRow's columns but its statuses, from `handoffs h` and `reports r`. */
export const HANDOFF_COLUMNS = `
  h.id, h.case_id, h.report_id, r.sender_id, h.participant_id, h.format, h.urgent, h.state, h.created_at,
  h.signed_at, h.sent_at, h.received_at, h.manifest, h.manifest_sha256, h.payload_sha256, h.payload_media_type,
  h.receipt, h.receipt_sha256, h.receipt_kid, h.receipt_jwk, h.attempts, h.last_error,
  h.retraction, h.retraction_sha256, h.retraction_state, h.retraction_sent_at, h.retraction_receipt,
  h.retraction_receipt_sha256, h.retraction_received_at, h.payload_purged_at, h.receipts_purged_at`

const HANDOFF = `
  SELECT ${HANDOFF_COLUMNS},
         (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', s.seq, 'status', s.status, 'reason_code', s.reason_code,
                   'outcome', s.outcome, 'occurred_at', s.occurred_at, 'at', s.created_at, 'sha256', s.jws_sha256, 'jws', s.jws, 'kid', s.kid, 'jwk', s.jwk) ORDER BY s.seq), '[]')
            FROM handoff_statuses s WHERE s.handoff_id = h.id) AS statuses
    FROM handoffs h JOIN reports r ON r.id = h.report_id
   WHERE h.id = $1`

/** The payload as signed, for its destination; null once purged (or before signing). */
export async function loadPayload(db: pg.Pool, id: string): Promise<string | null> {
  const { rows } = await db.query<{ payload: string | null }>('SELECT payload FROM handoffs WHERE id = $1', [id])
  return rows[0]?.payload ?? null
}

/** One handoff with its statuses; `lock` holds its row until the transaction ends. */
export async function loadHandoff(db: pg.Pool | pg.ClientBase, id: string, lock = false): Promise<HandoffRow | undefined> {
  const { rows } = await db.query<HandoffRow>(lock ? `${HANDOFF} FOR UPDATE OF h` : HANDOFF, [id])
  return rows[0]
}

/** The destination, the report's sender and auditors see a handoff; to anyone else it does not exist. */
function visibleTo(row: HandoffRow | undefined, principal: Principal): row is HandoffRow {
  const me = principal.participant.id
  return row !== undefined && (row.participant_id === me || row.sender_id === me || principal.scopes.has('audit:read'))
}

/** The handoff if `principal` may see it, else the 404 everybody else gets. */
export function requireVisible(row: HandoffRow | undefined, id: string, principal: Principal): HandoffRow {
  if (!visibleTo(row, principal)) throw new HandoffError('HANDOFF_NOT_FOUND', `no handoff ${id} that you may see`)
  return row
}

/** Who sent what to whom: the part of a handoff every view of it starts with. */
export function handoffSummary(row: HandoffRow) {
  return {
    id: row.id,
    case_id: row.case_id,
    report_id: row.report_id,
    sender: row.sender_id,
    destination: row.participant_id,
    format: row.format,
    urgent: row.urgent,
  }
}

/** What GET /v1/handoffs/{id} answers (schemas/handoff.json): never the payload. */
export function presentHandoff(row: HandoffRow) {
  const iso = (d: Date | null) => d?.toISOString() ?? null
  return {
    ...handoffSummary(row),
    state: row.state,
    created_at: row.created_at.toISOString(),
    signed_at: iso(row.signed_at),
    sent_at: iso(row.sent_at),
    received_at: iso(row.received_at),
    manifest: row.manifest,
    manifest_sha256: row.manifest_sha256,
    payload_sha256: row.payload_sha256,
    payload_media_type: row.payload_media_type,
    receipt: row.receipt,
    payload_purged_at: iso(row.payload_purged_at),
    receipts_purged_at: iso(row.receipts_purged_at),
    attempts: row.attempts,
    last_error: row.last_error,
    retraction: row.retraction && {
      jws: row.retraction,
      sha256: row.retraction_sha256,
      state: row.retraction_state,
      sent_at: iso(row.retraction_sent_at),
      received_at: iso(row.retraction_received_at),
      receipt: row.retraction_receipt,
    },
    statuses: row.statuses.map((s) => ({ ...timelineEntry(s), seq: s.seq, reason_code: s.reason_code, sha256: s.sha256, jws: s.jws })),
  }
}

/** A status as every view shows it: what, with which outcome, when it happened and when it was stored, and its ICCAM action. */
export function timelineEntry(s: Pick<StatusRow, 'status' | 'outcome' | 'occurred_at' | 'at'>) {
  return {
    status: s.status,
    outcome: s.outcome,
    occurred_at: new Date(s.occurred_at).toISOString(),
    at: new Date(s.at).toISOString(),
    iccam: ICCAM_ACTIONS[s.status],
  }
}
