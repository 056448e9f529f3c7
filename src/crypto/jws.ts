import { createHash, sign } from 'node:crypto'
import type { GatewayKey } from './gateway-key.ts'
import type { SigningThread } from './signing-thread.ts'

/**
 * A compact JWS signer (RFC 7515, EdDSA/Ed25519, kid = RFC 7638 thumbprint) over a KeyObject parsed
 * once: about 40 µs a signature. `typ` tells one kind of signed document from another, so that what
 * the gateway signs as one thing (a receipt) can never pass for another (a handoff manifest).
 */
export function compactSigner<Claims extends object>(key: Pick<GatewayKey, 'kid' | 'privateKey'>, typ: string): (claims: Claims) => string {
  const inputOf = signingInput<Claims>(key, typ)
  return (claims) => {
    const input = inputOf(claims)
    return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`
  }
}

/** compactSigner's counterpart for a signing thread: the same JWS, the signature made off the request thread. */
export function threadedCompactSigner<Claims extends object>(key: GatewayKey, typ: string, thread: SigningThread) {
  const inputOf = signingInput<Claims>(key, typ)
  return async (claims: Claims): Promise<string> => {
    const input = inputOf(claims)
    return `${input}.${(await thread.sign(key.kid, key.privateKey, input)).toString('base64url')}`
  }
}

/** The JWS signing input `<header>.<payload>` for claims, the protected header encoded once. */
function signingInput<Claims extends object>(key: Pick<GatewayKey, 'kid'>, typ: string): (claims: Claims) => string {
  const header = b64(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ }))
  return (claims) => `${header}.${b64(JSON.stringify(claims))}`
}

/** Hex SHA-256 of bytes, or of a text's UTF-8 bytes: how entries name a JWS or a payload. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}
