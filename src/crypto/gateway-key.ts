import type { KeyObject } from 'node:crypto'
import type { JWK } from 'jose'

export type KeyPurpose = 'receipt' | 'checkpoint'

/** A gateway signing key, parsed once: signing never re-parses PEM or JWK. Stored by src/keys/. */
export interface GatewayKey {
  kid: string
  purpose: KeyPurpose
  privateKey: KeyObject
  publicKey: KeyObject
  publicJwk: JWK
  retired: boolean
}
