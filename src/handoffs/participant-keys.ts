import { createRemoteJWKSet, type JWK } from 'jose'
import type { Participant } from '../directory/participant.ts'

type RemoteSet = ReturnType<typeof createRemoteJWKSet>

/**
 * The public keys a participant signs with, from its directory entry: inline, or fetched from its
 * JWKS URL (cached per URL, refetched when stale or when `refresh` asks, e.g. for an unknown kid).
 */
export function createParticipantKeys() {
  const remote = new Map<string, RemoteSet>()
  return async function keysOf(participant: Participant, refresh = false): Promise<JWK[]> {
    const keys = participant.keys
    if (!keys) return []
    if ('jwks' in keys) return keys.jwks.keys as JWK[]
    let set = remote.get(keys.jwks_uri)
    if (!set) remote.set(keys.jwks_uri, (set = createRemoteJWKSet(new URL(keys.jwks_uri))))
    if (refresh || !set.fresh) await set.reload()
    return (set.jwks()?.keys ?? []) as JWK[]
  }
}

export type ParticipantKeys = ReturnType<typeof createParticipantKeys>
