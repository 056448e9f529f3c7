import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import type pg from 'pg'
import { commitChange } from '../state/commit.ts'
import type { GatewayKey, KeyPurpose } from '../crypto/gateway-key.ts'
import type { Sealer } from '../crypto/sealer.ts'

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
    const key = await insertKey(tx, sealer, purpose)
    return { result: key, audit: [published(key)], link: linkPublication(key, 0) }
  })
}

/**
 * Rotation: the active key of `purpose` is retired and a new one takes its place, in one transaction
 * with both audit entries. Retired keys stay published (what they signed stays verifiable) and are
 * never used to sign again; every process picks up the new key (see activeKeyWatcher).
 */
export async function rotateKey(pool: pg.Pool, sealer: Sealer, purpose: KeyPurpose): Promise<{ retired: string | null; key: GatewayKey }> {
  return commitChange(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCKS[purpose]])
    const { rows } = await tx.query<{ kid: string }>(
      'UPDATE gateway_keys SET retired_at = now() WHERE purpose = $1 AND retired_at IS NULL RETURNING kid',
      [purpose],
    )
    const key = await insertKey(tx, sealer, purpose)
    const at = new Date().toISOString()
    const retired = rows.map((row) => ({ type: 'gateway_key.retired', at, purpose, kid: row.kid }))
    return { result: { retired: rows[0]?.kid ?? null, key }, audit: [...retired, published(key)], link: linkPublication(key, retired.length) }
  })
}

/**
 * The active key of `purpose` for a long-running signer: loaded once, then its kid is re-read at
 * most every `checkMs` in the background (one small query), so a rotation made by any process
 * reaches this one within about `checkMs` without a query on the signing path.
 */
export function activeKeyWatcher(pool: pg.Pool, sealer: Sealer, purpose: KeyPurpose, checkMs: number) {
  let current: Promise<GatewayKey> | undefined
  let checkedAt = 0
  let checking = false
  const load = () =>
    (current = activeKey(pool, sealer, purpose).catch((error) => {
      current = undefined
      throw error
    }))
  async function check(): Promise<void> {
    checking = true
    try {
      const { rows } = await pool.query<{ kid: string }>('SELECT kid FROM gateway_keys WHERE purpose = $1 AND retired_at IS NULL', [purpose])
      if (rows[0]?.kid !== (await current)?.kid) await load()
    } catch {
      // keep signing with the key we have; the next check tries again
    } finally {
      checkedAt = Date.now()
      checking = false
    }
  }
  return (): Promise<GatewayKey> => {
    if (!current) {
      checkedAt = Date.now()
      return load()
    }
    if (!checking && Date.now() - checkedAt > checkMs) void check()
    return current
  }
}

async function insertKey(tx: pg.ClientBase, sealer: Sealer, purpose: KeyPurpose): Promise<GatewayKey> {
  const key = await createKey(purpose)
  await tx.query('INSERT INTO gateway_keys (kid, purpose, public_jwk, private_sealed) VALUES ($1, $2, $3, $4)', [
    key.kid,
    purpose,
    JSON.stringify(key.publicJwk),
    sealer.seal('private-key', key.privateKey.export({ format: 'der', type: 'pkcs8' }), key.kid),
  ])
  return key
}

/** Evidence of what a key signed points at the audit entry that published it (the `at`-th entry written). */
function linkPublication(key: GatewayKey, at: number) {
  return async (tx: pg.ClientBase, entryIds: number[]) =>
    void (await tx.query('UPDATE gateway_keys SET published_entry_id = $2 WHERE kid = $1', [key.kid, entryIds[at]]))
}

function published(key: GatewayKey) {
  return { type: 'gateway_key.published', at: new Date().toISOString(), purpose: key.purpose, kid: key.kid }
}

/**
 * Creates any missing active signing key, so the published key sets (/.well-known/jwks.json,
 * /v1/audit/key) are complete from the first start, before the first report or checkpoint needs one.
 */
export async function ensureSigningKeys(pool: pg.Pool, sealer: Sealer): Promise<GatewayKey[]> {
  const keys: GatewayKey[] = []
  for (const purpose of Object.keys(KEY_LOCKS) as KeyPurpose[]) keys.push(await activeKey(pool, sealer, purpose))
  return keys
}

/** Every key of a purpose, active first: verifiers need retired keys for what they signed. */
export async function allKeys(pool: pg.Pool | pg.ClientBase, sealer: Sealer, purpose: KeyPurpose): Promise<GatewayKey[]> {
  return readKeys(pool, sealer, purpose, false)
}

/**
 * The published half of every key of a purpose, active first: what the key sets serve. Read from the
 * stored public JWK alone, so serving them never unseals (or needs the key to unseal) a private key.
 */
export async function publishedKeys(db: pg.Pool | pg.ClientBase, purpose: KeyPurpose): Promise<JWK[]> {
  const { rows } = await db.query<{ public_jwk: JWK }>(
    'SELECT public_jwk FROM gateway_keys WHERE purpose = $1 ORDER BY retired_at DESC NULLS FIRST, created_at DESC',
    [purpose],
  )
  return rows.map((row) => row.public_jwk)
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
