import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import type pg from 'pg'
import { commitChange } from '../state/commit.ts'
import type { Sealer } from './sealer.ts'

export type KeyPurpose = 'receipt' | 'checkpoint'

/** A gateway signing key, parsed once: signing never re-parses PEM or JWK. */
export interface GatewayKey {
  kid: string
  purpose: KeyPurpose
  privateKey: KeyObject
  publicKey: KeyObject
  publicJwk: JWK
  retired: boolean
}

/** One lock per purpose: the first processes to start race to create a key; exactly one wins. */
const KEY_LOCKS: Record<KeyPurpose, number> = { receipt: 7_212_410_031, checkpoint: 7_212_410_032 }

/**
 * The active key for `purpose`, created (and its publication audited) on first use. Every process
 * behind the same database converges on the same key.
 */
export async function activeKey(pool: pg.Pool, sealer: Sealer, purpose: KeyPurpose): Promise<GatewayKey> {
  const existing = await readKeys(pool, sealer, purpose, true)
  if (existing[0]) return existing[0]
  return commitChange(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCKS[purpose]])
    const raced = await readKeys(tx, sealer, purpose, true)
    if (raced[0]) return { result: raced[0], audit: [] }
    const key = await createKey(purpose)
    await tx.query('INSERT INTO gateway_keys (kid, purpose, public_jwk, private_sealed) VALUES ($1, $2, $3, $4)', [
      key.kid,
      purpose,
      JSON.stringify(key.publicJwk),
      sealer.seal('private-key', key.privateKey.export({ format: 'der', type: 'pkcs8' }), key.kid),
    ])
    return {
      result: key,
      audit: [{ type: 'gateway_key.published', at: new Date().toISOString(), purpose, kid: key.kid }],
      // evidence of what this key signed points at the entry that published it
      link: async (link, [entryId]) => void (await link.query('UPDATE gateway_keys SET published_entry_id = $2 WHERE kid = $1', [key.kid, entryId])),
    }
  })
}

/** Every key of a purpose, active first: verifiers need retired keys for what they signed. */
export async function allKeys(pool: pg.Pool | pg.ClientBase, sealer: Sealer, purpose: KeyPurpose): Promise<GatewayKey[]> {
  return readKeys(pool, sealer, purpose, false)
}

async function readKeys(db: pg.Pool | pg.ClientBase, sealer: Sealer, purpose: KeyPurpose, activeOnly: boolean): Promise<GatewayKey[]> {
  const { rows } = await db.query(
    `SELECT kid, public_jwk, private_sealed, retired_at FROM gateway_keys
     WHERE purpose = $1 ${activeOnly ? 'AND retired_at IS NULL' : ''} ORDER BY retired_at DESC NULLS FIRST, created_at DESC`,
    [purpose],
  )
  return rows.map((row) => {
    const der = sealer.open('private-key', row.private_sealed, row.kid)
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    return { kid: row.kid, purpose, privateKey, publicKey: createPublicKey(privateKey), publicJwk: row.public_jwk, retired: row.retired_at !== null }
  })
}

async function createKey(purpose: KeyPurpose): Promise<GatewayKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = publicKey.export({ format: 'jwk' }) as JWK
  const kid = await calculateJwkThumbprint(jwk, 'sha256')
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid, alg: 'EdDSA', use: 'sig' }
  return { kid, purpose, privateKey, publicKey, publicJwk, retired: false }
}
