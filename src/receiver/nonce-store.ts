/**
 * Remembers the nonces of accepted requests until their signature expires, so a request captured
 * and sent again is refused. Pluggable: a receiver run as several processes shares one (e.g. in its
 * database or Redis); the in-memory default serves a single process.
 */
export interface NonceStore {
  /** Records `nonce` until `expiresAt` (epoch seconds); false when it was already recorded (a replay). */
  remember(nonce: string, expiresAt: number): boolean | Promise<boolean>
}

export function memoryNonceStore(now: () => number = () => Date.now() / 1000): NonceStore {
  const seen = new Map<string, number>()
  return {
    remember(nonce, expiresAt) {
      const at = now()
      for (const [key, until] of seen) {
        if (until >= at) break // roughly in expiry order (signatures share one lifetime): stop at the first live one
        seen.delete(key)
      }
      if ((seen.get(nonce) ?? -Infinity) >= at) return false
      seen.set(nonce, expiresAt)
      return true
    },
  }
}
