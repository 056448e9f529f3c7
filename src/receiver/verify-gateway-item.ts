import { sha256Hex } from '../crypto/jws.ts'
import { verifyGatewayJws, type GatewayKeySource } from './gateway-jwks.ts'
import { ReceiverError, type ReceiverErrorCode } from './receiver-error.ts'

/** A message the gateway sends about a handoff you hold (a retraction, a re-notice), as delivered: its JWS under `field`. */
export type GatewayItem<F extends string> = { handoff_id: string } & { [K in F | `${F}_sha256`]: string }

/**
 * Checks a delivered message about a handoff: its JWS (of type `typ`) under the gateway's published key,
 * about this handoff, addressed to `destination` when given, and its digest as delivered. Each failure
 * has the code `<CODE>_MALFORMED`, `_INVALID` or `_MISMATCH`.
 */
export async function verifyGatewayItem<F extends string, Claims extends { handoff_id: string; destination: string }>(
  value: unknown,
  spec: { field: F; typ: string; code: 'RETRACTION' | 'RENOTICE' },
  keys: GatewayKeySource,
  destination?: string,
): Promise<{ item: GatewayItem<F>; claims: Claims; kid: string }> {
  const item = value as Record<string, unknown> | null
  const { field, code } = spec
  const digestField = `${field}_sha256`
  if (typeof item?.handoff_id !== 'string' || typeof item[field] !== 'string' || typeof item[digestField] !== 'string')
    throw new ReceiverError(`${code}_MALFORMED` as ReceiverErrorCode, `a ${field} has handoff_id, ${field} and ${digestField}`)
  const jws = item[field] as string
  const { claims, kid } = await verifyGatewayJws<Claims>(jws, keys, spec.typ, `${code}_INVALID` as ReceiverErrorCode, field)
  const mismatch = [
    ['handoff_id', claims.handoff_id, item.handoff_id],
    [digestField, sha256Hex(jws), item[digestField]],
    ['destination', claims.destination, destination ?? claims.destination],
  ].find(([, signed, delivered]) => signed !== delivered)
  if (mismatch) throw new ReceiverError(`${code}_MISMATCH` as ReceiverErrorCode, `the ${field}'s ${mismatch[0]} is not the delivered one's`)
  return { item: item as GatewayItem<F>, claims, kid }
}

export interface VerifiedGatewayItem<F extends string, Claims> {
  item: GatewayItem<F>
  claims: Claims
  kid: string
}

/** Whether a pushed body is a message of this kind (it carries the JWS under `field`). */
export function isItemOf<F extends string>(field: F) {
  return (value: unknown): value is GatewayItem<F> => typeof (value as Record<string, unknown> | null)?.[field] === 'string'
}
