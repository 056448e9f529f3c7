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

/** A status message (JWS typ hotline-gateway-handoff-status+jws); `reason` is the reason code a rejection needs. */
export function signStatus(key: PartnerKey, handoff: HandoffRef, status: string, reason?: string, at = new Date()): string {
  return compactSigner(
    key,
    HANDOFF_STATUS_TYP,
  )({
    handoff_id: handoff.id,
    manifest_sha256: manifestSha256(handoff),
    status,
    ...(reason ? { reason_code: reason } : {}),
    at: at.toISOString(),
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
