import { createPublicKey, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import { headerOf, SignedMessageError, verifySigned } from '../handoffs/signed-message.ts'
import { ReceiverError, type ReceiverErrorCode } from './receiver-error.ts'

/** Where the kit finds the gateway's public keys by kid. */
export interface GatewayKeySource {
  /** The key with this kid, or undefined when the gateway does not publish it. */
  key(kid: string): Promise<{ jwk: JWK; publicKey: KeyObject } | undefined>
  /** Every key known now (what a saved handoff is checked against later). */
  keys(): Promise<JWK[]>
}

export interface RemoteJwksOptions {
  /** An unknown kid refetches the set, at most this often (default 10 s): a flood of made-up kids costs one fetch. */
  minRefreshMs?: number
  /** Refetched anyway when older than this (default 10 min). */
  maxAgeMs?: number
}

/**
 * The gateway's JWKS (`<gateway>/.well-known/jwks.json`), fetched on first use, cached, and fetched
 * again for a kid it does not know (the gateway rotated its key) or when stale. Keys parsed once.
 */
export function remoteJwks(gateway: string | URL, options: RemoteJwksOptions = {}): GatewayKeySource {
  const url = new URL('/.well-known/jwks.json', gateway)
  const minRefreshMs = options.minRefreshMs ?? 10_000
  const maxAgeMs = options.maxAgeMs ?? 600_000
  let cache = new Map<string, { jwk: JWK; publicKey: KeyObject }>()
  let fetchedAt = 0
  let loading: Promise<void> | undefined

  async function load(): Promise<void> {
    const res = await fetch(url, { headers: { accept: 'application/json' } })
    if (!res.ok) throw new Error(`${url} answered ${res.status}`)
    const body = (await res.json()) as { keys?: unknown }
    cache = parseKeys(Array.isArray(body.keys) ? (body.keys as JWK[]) : [])
    fetchedAt = Date.now()
  }
  function reload(): Promise<void> {
    loading ??= load().finally(() => (loading = undefined))
    return loading
  }
  return {
    async key(kid) {
      const age = Date.now() - fetchedAt
      if (fetchedAt === 0 || age > maxAgeMs || (!cache.has(kid) && age > minRefreshMs)) await reload()
      return cache.get(kid)
    },
    async keys() {
      if (fetchedAt === 0) await reload()
      return [...cache.values()].map((k) => k.jwk)
    },
  }
}

/** A fixed key set: a saved JWKS for checking handoffs offline, or a test's. */
export function staticJwks(keys: readonly JWK[]): GatewayKeySource {
  const cache = parseKeys(keys)
  return { key: async (kid) => cache.get(kid), keys: async () => [...keys] }
}

function parseKeys(keys: readonly JWK[]): Map<string, { jwk: JWK; publicKey: KeyObject }> {
  const parsed = new Map<string, { jwk: JWK; publicKey: KeyObject }>()
  for (const jwk of keys) {
    if (typeof jwk.kid !== 'string' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue // the gateway signs with Ed25519 only
    try {
      parsed.set(jwk.kid, { jwk, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x! }, format: 'jwk' }) })
    } catch {
      // an unreadable key is no key
    }
  }
  return parsed
}

/**
 * A JWS the gateway signed (of type `typ`) verified under its published key: its claims and the key's
 * kid. Any failure is a ReceiverError with `code`, its message naming `what` was checked.
 */
export async function verifyGatewayJws<Claims>(
  jws: string,
  keys: GatewayKeySource,
  typ: string,
  code: ReceiverErrorCode,
  what: string,
): Promise<{ claims: Claims; kid: string }> {
  try {
    const kid = headerOf(jws).kid ?? ''
    const key = await keys.key(kid)
    if (!key) throw new ReceiverError(code, `the gateway publishes no key ${JSON.stringify(kid)}`)
    return { claims: (await verifySigned(jws, [key.jwk], typ)).claims as Claims, kid }
  } catch (error) {
    if (error instanceof SignedMessageError) throw new ReceiverError(code, `${what}: ${error.message}`)
    throw error
  }
}
