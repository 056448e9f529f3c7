import type { RetractionClaims } from '../handoffs/retractions.ts'
import { RETRACTION_TYP } from '../handoffs/signed-message.ts'
import type { GatewayKeySource } from './gateway-jwks.ts'
import { verifyGatewayItem } from './verify-gateway-item.ts'

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
  return verifyGatewayItem<'retraction', RetractionClaims>(value, { field: 'retraction', typ: RETRACTION_TYP, code: 'RETRACTION' }, keys, destination)
}
