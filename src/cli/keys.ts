import { parseArgs } from 'node:util'
import type pg from 'pg'
import { pino } from 'pino'
import { checkpointVerifierKey } from '../audit/log-key.ts'
import { loadConfig } from '../config/config.ts'
import { configuredSealer } from '../crypto/encryption-key.ts'
import { openDatabase } from '../db/database.ts'
import { migrate, readMigrations } from '../db/migrate.ts'
import { loggerOptions } from '../logging/logger.ts'
import type { KeyPurpose } from '../crypto/gateway-key.ts'
import { rotateKey } from '../keys/gateway-keys.ts'

const KEYS_HELP = `Usage:
  hotline-gateway keys list                       the gateway's signing keys, active and retired
  hotline-gateway keys rotate receipt|checkpoint  retire the active key of that purpose and publish a new one

Receipt keys sign the JWS receipts of accepted reports (published at /.well-known/jwks.json); the
checkpoint key signs the audit log's checkpoints (GET /v1/audit/key). Retired keys stay published so
that what they signed stays verifiable; running gateways switch to the new key within KEY_CHECK_MS.
After rotating the checkpoint key, give auditors the new verifier key: audit verify takes several --key.`

const PURPOSES: KeyPurpose[] = ['receipt', 'checkpoint']

/** `hotline-gateway keys list|rotate PURPOSE`: run by the gateway's operators against its database. */
export async function keysCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } })
  if (values.help) {
    console.log(KEYS_HELP)
    return 0
  }
  const [sub, purpose, ...extra] = positionals
  const valid = extra.length === 0 && ((sub === 'list' && !purpose) || (sub === 'rotate' && PURPOSES.includes(purpose as KeyPurpose)))
  if (!valid) {
    console.error(KEYS_HELP)
    return 2
  }
  const config = loadConfig()
  const logger = pino({ ...loggerOptions(config), level: 'warn' })
  const database = await openDatabase(config, logger)
  try {
    await migrate(database.pool, await readMigrations())
    if (sub === 'rotate') {
      const sealer = await configuredSealer(config, logger)
      const { retired, key } = await rotateKey(database.pool, sealer, purpose as KeyPurpose)
      console.log(`${purpose} key ${key.kid} is active${retired ? `; ${retired} is retired and stays published` : ''}`)
      if (purpose === 'checkpoint') console.log(`new verifier key: ${checkpointVerifierKey(await origin(database.pool), key.publicJwk)}`)
    }
    const { rows } = await database.pool.query(
      'SELECT purpose, kid, public_jwk, created_at, retired_at FROM gateway_keys ORDER BY purpose, retired_at DESC NULLS FIRST, created_at DESC',
    )
    const logOrigin = await origin(database.pool)
    for (const row of rows) {
      const state = row.retired_at ? `retired ${row.retired_at.toISOString()}` : 'active'
      const verifier = row.purpose === 'checkpoint' ? `  ${checkpointVerifierKey(logOrigin, row.public_jwk)}` : ''
      console.log(`${row.purpose.padEnd(10)} ${row.kid}  created ${row.created_at.toISOString()}  ${state}${verifier}`)
    }
    return 0
  } finally {
    await database.close()
  }
}

async function origin(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ origin: string }>('SELECT origin FROM audit_log_state')
  return rows[0]!.origin
}
