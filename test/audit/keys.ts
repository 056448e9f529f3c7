// Builds signed-note key strings from a fixed Ed25519 seed, so tests can reproduce
// signatures made by other implementations with known test keys.
import { ed25519PrivateKey, ed25519RawPublicKey, formatKeyHash, keyHash } from '../../src/notes/note.ts'
import { createPublicKey } from 'node:crypto'

export function signerKeyFromSeed(name: string, alg: number, seed: Uint8Array): { signerKey: string; verifierKey: string } {
  const pub = ed25519RawPublicKey(createPublicKey(ed25519PrivateKey(seed)))
  const typedPub = Buffer.concat([Buffer.from([alg]), pub])
  const h = formatKeyHash(keyHash(name, typedPub))
  return {
    signerKey: `PRIVATE+KEY+${name}+${h}+${Buffer.concat([Buffer.from([alg]), seed]).toString('base64')}`,
    verifierKey: `${name}+${h}+${typedPub.toString('base64')}`,
  }
}
