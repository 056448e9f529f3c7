import type { RenoticeClaims } from '../handoffs/renotices.ts'
import { RENOTICE_TYP } from '../handoffs/signed-message.ts'
import type { GatewayKeySource } from './gateway-jwks.ts'
import { isItemOf, verifyGatewayItem, type GatewayItem, type VerifiedGatewayItem } from './verify-gateway-item.ts'

/** A re-notice as the gateway delivers it (push body, or an item of the inbox's `renotices`): handoff_id, renotice, renotice_sha256. */
export type RenoticeItem = GatewayItem<'renotice'>

/** Signed by the gateway: which handoff (and manifest) it repeats, the how-manieth re-notice, when the first went. */
export type VerifiedRenotice = VerifiedGatewayItem<'renotice', RenoticeClaims>

export const isRenoticeItem = isItemOf('renotice')

/**
 * Checks a delivered re-notice: the JWS (typ hotline-gateway-handoff-renotice+jws) under the gateway's
 * published key, about this handoff, addressed to `destination` when given, and its digest as delivered.
 * It asks you to act on the handoff you already hold (claims.handoff_id) and to post its status.
 */
export async function verifyRenotice(value: unknown, keys: GatewayKeySource, destination?: string): Promise<VerifiedRenotice> {
  return verifyGatewayItem<'renotice', RenoticeClaims>(value, { field: 'renotice', typ: RENOTICE_TYP, code: 'RENOTICE' }, keys, destination)
}
