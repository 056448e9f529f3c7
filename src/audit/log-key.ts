import { sign } from 'node:crypto'
import type { GatewayKey } from '../crypto/gateway-key.ts'
import { ALG_ED25519, ed25519RawPublicKey, keyHash, newEd25519VerifierKey, type NoteSigner } from '../notes/note.ts'

/**
 * The log signs its checkpoints with the gateway's 'checkpoint' key (an Ed25519 KeyObject, parsed once)
 * under the log's origin as the signed-note key name, as C2SP tlog-checkpoint recommends: the verifier
 * key an auditor pins then names the log it verifies.
 */
export function checkpointSigner(origin: string, key: GatewayKey): NoteSigner {
  const typed = Buffer.concat([Buffer.from([ALG_ED25519]), ed25519RawPublicKey(key.publicKey)])
  return { name: origin, keyHash: keyHash(origin, typed), sign: (message) => sign(null, message, key.privateKey) }
}

/** The signed-note verifier key `<origin>+<hash>+<base64(0x01 || key)>` of a checkpoint key's public JWK. */
export function checkpointVerifierKey(origin: string, publicJwk: { x?: string }): string {
  return newEd25519VerifierKey(origin, Buffer.from(publicJwk.x ?? '', 'base64url'))
}
