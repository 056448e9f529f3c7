import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose'
import { GatewayError } from '../errors/gateway-error.ts'

/** The JWS `typ` of each document of the handoff protocol: none can pass for another, nor for an intake receipt. */
export const MANIFEST_TYP = 'hotline-gateway-handoff-manifest+jws'
export const HANDOFF_RECEIPT_TYP = 'hotline-gateway-handoff-receipt+jws'
export const HANDOFF_STATUS_TYP = 'hotline-gateway-handoff-status+jws'
/** The gateway's word to a destination that the report behind a handoff was retracted by its sender. */
export const RETRACTION_TYP = 'hotline-gateway-handoff-retraction+jws'
export const RETRACTION_RECEIPT_TYP = 'hotline-gateway-retraction-receipt+jws'
/** The gateway's notice sent again to a platform that has not removed the content: it names the first handoff. */
export const RENOTICE_TYP = 'hotline-gateway-handoff-renotice+jws'

/** What participants may sign with (the directory's key algorithms); never `none` or HMAC. */
const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'PS256', 'RS256']

export type SignedMessageErrorCode = 'SIGNED_MALFORMED' | 'SIGNED_WRONG_TYPE' | 'SIGNED_UNKNOWN_KEY' | 'SIGNED_BAD_SIGNATURE'

export class SignedMessageError extends GatewayError<SignedMessageErrorCode> {}

export interface VerifiedMessage {
  /** The signer's key id as the JWS header names it. */
  kid: string
  /** The public key it verified under. */
  jwk: JWK
  claims: Record<string, unknown>
}

/** A key's id: its `kid`, else its RFC 7638 thumbprint (directory keys may leave kid out). */
async function keyId(jwk: JWK): Promise<string> {
  return jwk.kid ?? (await calculateJwkThumbprint(jwk, 'sha256'))
}

/** The protected header of a compact JWS, or SIGNED_MALFORMED. */
export function headerOf(jws: string): { alg?: string; kid?: string; typ?: string } {
  try {
    return decodeProtectedHeader(jws) as { alg?: string; kid?: string; typ?: string }
  } catch {
    throw new SignedMessageError('SIGNED_MALFORMED', 'not a compact JWS')
  }
}

// A directory's keys are the same objects for as long as its version is cached: import each once per
// algorithm, not once per message (a pull partner's inbox page is a hundred receipts under one key).
const importedKeys = new WeakMap<JWK, Map<string, ReturnType<typeof importJWK>>>()

function imported(jwk: JWK, alg: string): ReturnType<typeof importJWK> {
  let byAlg = importedKeys.get(jwk)
  if (!byAlg) importedKeys.set(jwk, (byAlg = new Map()))
  let key = byAlg.get(alg)
  if (!key) byAlg.set(alg, (key = importJWK(jwk, alg)))
  return key
}

/**
 * Verifies a compact JWS of type `typ` under the key among `keys` its header names (by kid or
 * thumbprint), and returns its JSON claims. Each way of failing has its own code.
 */
export async function verifySigned(jws: string, keys: readonly JWK[], typ: string): Promise<VerifiedMessage> {
  const header = headerOf(jws)
  if (header.typ !== typ) throw new SignedMessageError('SIGNED_WRONG_TYPE', `typ is ${JSON.stringify(header.typ ?? null)}, expected ${typ}`)
  if (typeof header.kid !== 'string' || header.kid === '') throw new SignedMessageError('SIGNED_MALFORMED', 'the header names no kid')
  if (!header.alg || !ALGORITHMS.includes(header.alg)) throw new SignedMessageError('SIGNED_MALFORMED', `alg ${String(header.alg)} is not accepted`)
  let jwk: JWK | undefined
  for (const candidate of keys) if ((await keyId(candidate)) === header.kid) jwk = candidate
  if (!jwk) throw new SignedMessageError('SIGNED_UNKNOWN_KEY', `no key with kid ${header.kid}`)
  let payload: Uint8Array
  try {
    const key = await imported(jwk, header.alg)
    payload = (await compactVerify(jws, key, { algorithms: [header.alg] })).payload
  } catch {
    throw new SignedMessageError('SIGNED_BAD_SIGNATURE', `the signature does not verify under key ${header.kid}`)
  }
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(payload).toString('utf8'))
  } catch {
    claims = undefined
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims))
    throw new SignedMessageError('SIGNED_MALFORMED', 'the payload is not a JSON object')
  return { kid: header.kid, jwk, claims: claims as Record<string, unknown> }
}
