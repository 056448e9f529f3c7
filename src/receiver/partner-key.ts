import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { ReceiverError } from './receiver-error.ts'

/** The partner's signing key, parsed once: what its receipts and status messages are signed with. */
export interface PartnerKey {
  kid: string
  privateKey: KeyObject
  /** What the directory publishes for the participant (no private member). */
  publicJwk: JWK
  /** The participant id the key file was made for, if it says. */
  participant?: string
}

/** A new Ed25519 key for `participant`: the private JWK to keep (kid = RFC 7638 thumbprint) and the public one to publish. */
export async function generatePartnerKey(participant: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' }) as JWK
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x! }, 'sha256')
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid, alg: 'EdDSA', use: 'sig' }
  return { privateJwk: { ...publicJwk, d: jwk.d!, participant } as JWK, publicJwk }
}

/** Writes a private JWK readable by its owner only (0600). */
export async function writePartnerKey(file: string, privateJwk: JWK): Promise<void> {
  await writeFile(file, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  await chmod(file, 0o600) // whatever the umask
}

export async function readPartnerKey(file: string): Promise<PartnerKey> {
  let jwk: JWK & { participant?: string }
  try {
    jwk = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new ReceiverError('KEY_INVALID', `${file} cannot be read as a JWK: ${(error as Error).message}`)
  }
  return partnerKey(jwk)
}

/** A partner key from a private JWK (Ed25519 only: what the directory's receipts are checked with). */
export async function partnerKey(jwk: JWK & { participant?: string }): Promise<PartnerKey> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string')
    throw new ReceiverError('KEY_INVALID', 'the key must be a private Ed25519 JWK (kty OKP, crv Ed25519, d and x)')
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: jwk.d, x: jwk.x }, format: 'jwk' })
  const kid = jwk.kid ?? (await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'sha256'))
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' }
  return { kid, privateKey, publicJwk, ...(jwk.participant ? { participant: jwk.participant } : {}) }
}
