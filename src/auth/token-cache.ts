import { createHash } from 'node:crypto'
import type { AccessToken, TokenVerifier } from './token-verifier.ts'

/**
 * Partners send the same access token with every request until it expires; verifying its signature
 * each time costs more than the rest of the request. A token verified once is remembered until its
 * own expiry (keyed by a digest of the exact token, so no other token can hit the entry). Bounded:
 * when full, the cache starts over. Failures are never cached.
 */
export function cachingVerifier(verifier: TokenVerifier, maxEntries = 10_000): TokenVerifier {
  const verified = new Map<string, AccessToken>()
  return {
    issuer: verifier.issuer,
    audience: verifier.audience,
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64url')
      const hit = verified.get(key)
      if (hit && hit.expiresAt.getTime() > Date.now()) return hit
      const fresh = await verifier.verify(token)
      if (verified.size >= maxEntries) verified.clear()
      verified.set(key, fresh)
      return fresh
    },
  }
}
