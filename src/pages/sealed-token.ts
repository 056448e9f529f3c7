import type { Sealer } from '../crypto/sealer.ts'

/**
 * A value only the gateway can make and read: JSON sealed (AES-GCM) under the configuration's
 * ENCRYPTION_KEY, base64url. Every process shares the key, so a token made by one is read by all;
 * `context` binds it to one use (a form token is not a session).
 */
export function sealedTokens<T extends object>(sealer: Sealer, context: string) {
  return {
    make: (value: T): string => sealer.seal('page-token', Buffer.from(JSON.stringify(value)), context).toString('base64url'),
    read(token: string | undefined): T | undefined {
      if (!token || token.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined
      try {
        return JSON.parse(sealer.open('page-token', Buffer.from(token, 'base64url'), context).toString('utf8')) as T
      } catch {
        return undefined
      }
    },
  }
}
