import { compactSigner, sha256Hex } from '../crypto/jws.ts'
import { HANDOFF_RECEIPT_TYP, HANDOFF_STATUS_TYP, RETRACTION_RECEIPT_TYP } from '../handoffs/signed-message.ts'
import type { PartnerKey } from './partner-key.ts'
import type { VerifiedRetraction } from './verify-retraction.ts'

/** What a receipt or status message binds: the handoff and the manifest exactly as delivered. */
export interface HandoffRef {
  id: string
  /** The manifest JWS as delivered, or its SHA-256 as the gateway reports it. */
  manifest?: string
  manifest_sha256?: string
}

/** The receipt (JWS typ hotline-gateway-handoff-receipt+jws) for a handoff, under the partner's key. */
export function signReceipt(key: PartnerKey, handoff: HandoffRef, receivedAt = new Date()): string {
  return compactSigner(
    key,
    HANDOFF_RECEIPT_TYP,
  )({
    handoff_id: handoff.id,
    manifest_sha256: manifestSha256(handoff),
    received_at: receivedAt.toISOString(),
  })
}

/** What a status message may add: a rejection's reason code, an assessment's outcome, when it happened (default: now). */
export interface StatusDetails {
  reason?: string
  outcome?: 'illegal' | 'not_illegal' | 'nationally_illegal'
  occurredAt?: Date
}

/**
 * A status message (JWS typ hotline-gateway-handoff-status+jws): received, assessing, assessed (with
 * its outcome), referred_to_law_enforcement, hosting_provider_notified, content_removed,
 * content_unavailable, content_moved, rejected (with its reason code) or closed. `details` may be just
 * the reason code, as before.
 */
export function signStatus(key: PartnerKey, handoff: HandoffRef, status: string, details: string | StatusDetails = {}, at = new Date()): string {
  const { reason, outcome, occurredAt } = typeof details === 'string' ? { reason: details } : details
  return compactSigner(
    key,
    HANDOFF_STATUS_TYP,
  )({
    handoff_id: handoff.id,
    manifest_sha256: manifestSha256(handoff),
    status,
    ...(reason ? { reason_code: reason } : {}),
    ...(outcome ? { outcome } : {}),
    at: at.toISOString(),
    ...(occurredAt ? { occurred_at: occurredAt.toISOString() } : {}),
  })
}

/** The receipt (JWS typ hotline-gateway-retraction-receipt+jws) for a verified retraction, under the partner's key. */
export function signRetractionReceipt(key: PartnerKey, retraction: VerifiedRetraction, receivedAt = new Date()): string {
  return compactSigner(
    key,
    RETRACTION_RECEIPT_TYP,
  )({
    handoff_id: retraction.item.handoff_id,
    manifest_sha256: retraction.claims.manifest_sha256,
    retraction_sha256: sha256Hex(retraction.item.retraction),
    received_at: receivedAt.toISOString(),
  })
}

function manifestSha256(handoff: HandoffRef): string {
  if (handoff.manifest !== undefined) return sha256Hex(handoff.manifest)
  if (handoff.manifest_sha256 !== undefined) return handoff.manifest_sha256
  throw new TypeError('a receipt or status names the manifest: give manifest or manifest_sha256')
}
