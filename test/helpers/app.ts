import type { FastifyInstance } from 'fastify'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { buildApp } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config/config.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { migrate, readMigrations } from '../../src/db/migrate.ts'
import { REDACTED_PATHS } from '../../src/logging/logger.ts'
import { createTestDatabase } from './database.ts'

export interface TestApp {
  app: FastifyInstance
  database: Database
  config: Config
  databaseUrl: string
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>
}

interface TestContext {
  teardown(fn: () => unknown): void
}

/** A migrated gateway on its own fresh database, closed when the test ends. */
export async function buildTestApp(t: TestContext, options: { env?: NodeJS.ProcessEnv; migrate?: boolean } = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase(t)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', ...options.env, DATABASE_URL: databaseUrl })
  const { logger, logs } = capturingLogger()
  const database = await openDatabase(config, logger)
  const migrations = await readMigrations()
  if (options.migrate !== false) await migrate(database.pool, migrations)
  const app = await buildApp({ config, database, migrations, logger })
  t.teardown(() => app.close())
  await app.ready()
  return { app, database, config, databaseUrl, logs }
}

/** A logger with the production redaction list, writing into an array the test can inspect. */
export function capturingLogger(): { logger: Logger; logs: Array<Record<string, unknown>>; raw: string[] } {
  const logs: Array<Record<string, unknown>> = []
  const raw: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk))
      logs.push(JSON.parse(String(chunk)))
      done()
    },
  })
  const logger = pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream)
  return { logger, logs, raw }
}
