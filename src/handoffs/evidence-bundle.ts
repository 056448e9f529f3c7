import type { JWK } from 'jose'
import type pg from 'pg'
import type { AuditService } from '../audit/audit-service.ts'
import { canonicalize } from '../crypto/jcs.ts'
import { HandoffError } from './handoff-error.ts'
import { HANDOFF_EVIDENCE_FORMAT, type HandoffEvidence } from './handoff-evidence.ts'
import { handoffSummary, type HandoffRow } from './handoff-store.ts'
import { headerOf } from './signed-message.ts'

// The handoff's own entries, and the entry that published the key its manifest names.
const ENTRIES = `
  SELECT e.log_index FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id WHERE a.handoff_id = $1
  UNION ALL
  SELECT e.log_index FROM gateway_keys k LEFT JOIN audit_entries e ON e.id = k.published_entry_id WHERE k.kid = $2`

/**
 * The evidence bundle of a signed handoff: its signed documents, the keys they verify under, and
 * the audit entries recording them with inclusion proofs. Whole or not at all: while an entry waits
 * for the sequencer the answer is a 503 with Retry-After, never a partial bundle.
 */
export function createEvidenceBuilder({ pool, audit }: { pool: pg.Pool; audit: AuditService }) {
  return async function evidence(row: HandoffRow): Promise<HandoffEvidence> {
    if (!row.manifest) throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${row.id} is ${row.state}: it has no signed manifest to prove`)
    const kid = headerOf(row.manifest).kid
    const [{ rows: entries }, { rows: keys }] = await Promise.all([
      pool.query<{ log_index: number | null }>(ENTRIES, [row.id, kid]),
      pool.query<{ public_jwk: JWK }>('SELECT public_jwk FROM gateway_keys WHERE kid = $1', [kid]),
    ])
    if (entries.some((e) => e.log_index === null) || !keys[0]) {
      throw new HandoffError('HANDOFF_EVIDENCE_PENDING', `the audit log has not sequenced every entry of handoff ${row.id} yet; try again shortly`)
    }
    const destinationKeys = new Map<string, JWK>()
    for (const jwk of [row.receipt_jwk, ...row.statuses.map((s) => s.jwk)]) if (jwk) destinationKeys.set(canonicalize(jwk), jwk)
    return {
      format: HANDOFF_EVIDENCE_FORMAT,
      // after the retention purge the log still holds each message's SHA-256 and signer; the bundle says when they went
      handoff: { ...handoffSummary(row), ...(row.receipts_purged_at ? { receipts_purged_at: row.receipts_purged_at.toISOString() } : {}) },
      manifest: row.manifest,
      receipt: row.receipt,
      statuses: row.statuses.flatMap((s) => (s.jws ? [s.jws] : [])),
      keys: { gateway: [keys[0].public_jwk], destination: [...destinationKeys.values()] },
      audit: await audit.evidence(entries.map((e) => e.log_index!)),
    }
  }
}
