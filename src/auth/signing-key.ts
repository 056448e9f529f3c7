import { generateKeyPairSync, type KeyObject } from 'node:crypto'

import { calculateJwkThumbprint, type JWK } from 'jose'

export interface SigningKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** Private JWK with alg, use and a thumbprint kid (RFC 7638), as oidc-provider's jwks wants it. */
  privateJwk: JWK
  kid: string
}

/** A fresh Ed25519 key for an issuer that lives only as long as the process (dev, tests). */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' }) as JWK
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })
  return { privateKey, publicKey, kid, privateJwk: { ...jwk, alg: 'EdDSA', use: 'sig', kid } }
}
