import closeWithGrace from 'close-with-grace'
import { pino, type Logger } from 'pino'
import { buildApp } from './app.ts'
import { startAuditLog } from './audit/audit-runtime.ts'
import { startHandoffDelivery } from './handoffs/handoff-runtime.ts'
import { startRetention } from './retention/retention-runtime.ts'
import { createInboxSignals } from './handoffs/inbox-signals.ts'
import { loadConfig, type Config } from './config/config.ts'
import { openDatabase, type Database } from './db/database.ts'
import { migrate, readMigrations, type Migration } from './db/migrate.ts'
import { configuredSealer } from './crypto/encryption-key.ts'
import { ensureSigningKeys } from './keys/gateway-keys.ts'
import type { Sealer } from './crypto/sealer.ts'
import { loggerOptions } from './logging/logger.ts'
import { createReadinessCheck } from './ops/health.ts'
import { createLoopHealth } from './ops/loop-health.ts'
import { startDevAuth } from './dev/dev-mode.ts'

export interface ServeOptions {
  migrate: boolean
  env?: NodeJS.ProcessEnv
}

/** Starts the process: config, database, migrations, then the app; SIGTERM/SIGINT close it gracefully. */
export async function serve(options: ServeOptions): Promise<void> {
  const config = loadConfig(options.env)
  const logger = pino(loggerOptions(config))
  const migrations = await readMigrations()
  const database = await openDatabase(config, logger)
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  let devAuth: Awaited<ReturnType<typeof startDevAuth>> | undefined
  try {
    if (options.migrate) await applyMigrations(database, migrations, logger)
    devAuth = config.oidcIssuer ? undefined : await startDevAuth(config, database, logger)
    const sealer = await configuredSealer(config, logger)
    await ensureKeys(database, migrations, sealer, logger)
    const runtime = devAuth ? { ...config, oidcIssuer: devAuth.issuer } : config
    const inboxSignals = createInboxSignals({ database, logger })
    const loopHealth = createLoopHealth()
    const built = await buildApp({ config: runtime, database, migrations, logger, sealer, inboxSignals, loopHealth })
    app = built
    const issuer = devAuth
    built.addHook('onClose', async () => issuer?.close())
    const audit = await startAuditLog({ config: runtime, database, logger, sealer, health: loopHealth })
    built.addHook('onClose', async () => audit.stop()) // runs before the database plugin closes the pool
    // development: pushes trust the development partners' certificate too
    const handoffs = await startHandoffDelivery({
      config: runtime,
      database,
      logger,
      sealer,
      signals: inboxSignals,
      health: loopHealth,
      ca: devAuth?.ca,
    })
    built.addHook('onClose', async () => handoffs.stop())
    const retention = startRetention({ config: runtime, database, logger, health: loopHealth })
    built.addHook('onClose', async () => retention.stop())
    closeWithGrace({ delay: config.shutdownGraceMs, logger }, async ({ signal, err }) => {
      if (err) logger.error({ err }, 'shutting down after an unexpected error')
      else logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests')
      await built.close()
    })
    const address = await built.listen({ host: config.host, port: config.port })
    await devAuth?.announce(baseUrl(config, address)) // before "is up": whoever waits for that finds the session
    logger.info({ address, database: database.kind }, `hotline-gateway is up; API docs at ${docsUrl(config, address)}`)
  } catch (error) {
    // whatever started must stop, or its timers keep a process alive that serves nothing
    if (app) await app.close().catch(() => undefined)
    else await Promise.all([devAuth?.close(), database.close()]).catch(() => undefined)
    throw error
  }
}

export async function runMigrations(env?: NodeJS.ProcessEnv): Promise<Migration[]> {
  const config = loadConfig(env)
  const logger = pino(loggerOptions(config))
  const database = await openDatabase(config, logger)
  try {
    return await applyMigrations(database, await readMigrations(), logger)
  } finally {
    await database.close()
  }
}

async function applyMigrations(database: Database, migrations: Migration[], logger: Logger): Promise<Migration[]> {
  const applied = await migrate(database.pool, migrations, (m) => logger.info({ migration: m.file }, 'migration applied'))
  logger.info({ applied: applied.length, total: migrations.length }, 'database schema is up to date')
  return applied
}

/** The gateway's signing keys exist from its first start (on a schema that is up to date; else at first use). */
async function ensureKeys(database: Database, migrations: Migration[], sealer: Sealer, logger: Logger): Promise<void> {
  if (!(await createReadinessCheck(database, migrations)()).ready) return
  const keys = await ensureSigningKeys(database.pool, sealer)
  logger.info({ keys: keys.map(({ purpose, kid }) => ({ purpose, kid })) }, 'signing keys ready')
}

function docsUrl(config: Config, address: string): string {
  return `${baseUrl(config, address)}/docs`
}

function baseUrl(config: Config, address: string): string {
  return config.publicUrl ?? address.replace('://0.0.0.0', '://127.0.0.1')
}
