import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import { randomView } from './random-pool.ts'
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * Encryption at rest with AES-256-GCM under keys derived (HKDF-SHA256) from the one ENCRYPTION_KEY
 * in configuration, one subkey per purpose, so a leaked reporter-contact column says nothing about
 * the gateway's private keys. Sealed form: version byte || 12-byte nonce || ciphertext || 16-byte tag.
 */
/** page-token: the pages' form tokens and session cookies, readable by every gateway process and nobody else. */
type SealPurpose = 'private-key' | 'reporter-contact' | 'page-token'

const VERSION = 1

class SealError extends GatewayError<'SEAL_OPEN_FAILED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('SEAL_OPEN_FAILED', message, options)
  }
}

export interface Sealer {
  seal(purpose: SealPurpose, plaintext: Buffer, context: string): Buffer
  open(purpose: SealPurpose, sealed: Buffer, context: string): Buffer
}

export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== 32) throw new SealError('ENCRYPTION_KEY must be 32 bytes')
  const subkeys = new Map<SealPurpose, Buffer>()
  const subkey = (purpose: SealPurpose) => {
    let key = subkeys.get(purpose)
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `hotline-gateway/${purpose}/v1`, 32))
      subkeys.set(purpose, key)
    }
    return key
  }
  return {
    seal(purpose, plaintext, context) {
      const nonce = randomView(12) // used synchronously: createCipheriv and Buffer.concat copy it
      const cipher = createCipheriv('aes-256-gcm', subkey(purpose), nonce)
      // the context (e.g. the key id or report id) is bound in: a sealed value cannot be moved to another row
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
      return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()])
    },
    open(purpose, sealed, context) {
      if (sealed.length < 29 || sealed[0] !== VERSION) throw new SealError('sealed value is malformed')
      try {
        const decipher = createDecipheriv('aes-256-gcm', subkey(purpose), sealed.subarray(1, 13))
        decipher.setAAD(Buffer.from(context, 'utf8'))
        decipher.setAuthTag(sealed.subarray(sealed.length - 16))
        return Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()])
      } catch {
        throw new SealError('sealed value cannot be opened: wrong ENCRYPTION_KEY, or the value was tampered with')
      }
    },
  }
}
