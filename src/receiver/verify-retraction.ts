import { sha256Hex } from '../crypto/jws.ts'
import type { RetractionClaims } from '../handoffs/retractions.ts'
import { RETRACTION_TYP } from '../handoffs/signed-message.ts'
import { verifyGatewayJws, type GatewayKeySource } from './gateway-jwks.ts'
import { ReceiverError } from './receiver-error.ts'

/** A retraction as the gateway delivers it (push body, or an item of the inbox's `retractions`). */
export interface RetractionItem {
  handoff_id: string
  retraction: string
  retraction_sha256: string
}

export interface VerifiedRetraction {
  item: RetractionItem
  /** Signed by the gateway: which handoff (and manifest) is withdrawn, and when its report was retracted. */
  claims: RetractionClaims
  kid: string
}

export function isRetractionItem(value: unknown): value is RetractionItem {
  return typeof (value as RetractionItem | null)?.retraction === 'string'
}

/**
 * Checks a delivered retraction: the JWS (typ hotline-gateway-handoff-retraction+jws) under the gateway's
 * published key, about this handoff, addressed to `destination` when given, and its digest as delivered.
 * Stop acting on the handoff's report once this holds.
 */
export async function verifyRetraction(value: unknown, keys: GatewayKeySource, destination?: string): Promise<VerifiedRetraction> {
  const item = value as RetractionItem
  if (typeof item?.handoff_id !== 'string' || typeof item.retraction !== 'string' || typeof item.retraction_sha256 !== 'string')
    throw new ReceiverError('RETRACTION_MALFORMED', 'a retraction has handoff_id, retraction and retraction_sha256')
  const { claims, kid } = await verifyGatewayJws<RetractionClaims>(item.retraction, keys, RETRACTION_TYP, 'RETRACTION_INVALID', 'retraction')
  const mismatch = [
    ['handoff_id', claims.handoff_id, item.handoff_id],
    ['retraction_sha256', sha256Hex(item.retraction), item.retraction_sha256],
    ['destination', claims.destination, destination ?? claims.destination],
  ].find(([, signed, delivered]) => signed !== delivered)
  if (mismatch) throw new ReceiverError('RETRACTION_MISMATCH', `the retraction's ${mismatch[0]} is not the delivered one's`)
  return { item, claims, kid }
}
