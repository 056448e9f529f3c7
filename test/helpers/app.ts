import type { FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { buildApp } from '../../src/app.ts'
import { SCOPES } from '../../src/auth/scopes.ts'
import { loadConfig, type Config } from '../../src/config/config.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { migrate, readMigrations } from '../../src/db/migrate.ts'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import type { DirectoryDocument } from '../../src/directory/participant.ts'
import { logSafety } from '../../src/logging/logger.ts'
import type { LoopHealth } from '../../src/ops/loop-health.ts'
import { createTestDatabase } from './database.ts'
import { startTestIdp, type TestIdp } from './idp.ts'

export const AUDIENCE = 'https://gateway.example.org/api'

export interface TestApp {
  app: FastifyInstance
  database: Database
  config: Config
  databaseUrl: string
  idp: TestIdp
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>
  /** `Authorization` header for a real token of that client (all its scopes unless narrowed). */
  auth(clientId: string, scopes?: string[]): Promise<{ authorization: string }>
}

interface TestContext {
  teardown(fn: () => unknown): void
}

export interface TestAppOptions {
  env?: NodeJS.ProcessEnv
  migrate?: boolean
  /** Published as directory version 1; default the example directory. `null`: publish none. */
  directory?: DirectoryDocument | null
  /** Client ids the IdP knows besides the directory's (e.g. a client that acts for nobody). */
  extraClients?: string[]
  /** Heartbeats of background loops the test starts itself, for /readyz and /metrics. */
  loopHealth?: LoopHealth
}

/**
 * A migrated gateway on its own fresh database, behind a real in-process OIDC issuer that knows every
 * directory client (with every scope: the gateway's own ceiling per participant kind must hold).
 */
export async function buildTestApp(t: TestContext, options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase(t)
  const directory = options.directory === undefined ? await readDirectoryFile(EXAMPLE_DIRECTORY) : options.directory
  const clientIds = [...(directory?.participants.flatMap((p) => p.clients) ?? []), ...(options.extraClients ?? [])]
  const idp = await startTestIdp({ audience: AUDIENCE, clients: clientIds.map((clientId) => testClient(clientId)) })
  t.teardown(() => idp.close())
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DIRECTORY_CACHE_MS: '0',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...options.env,
    DATABASE_URL: databaseUrl,
    OIDC_ISSUER: idp.issuer,
    OIDC_AUDIENCE: AUDIENCE,
  })
  const { logger, logs } = capturingLogger()
  const database = await openDatabase(config, logger)
  const migrations = await readMigrations()
  if (options.migrate !== false) await migrate(database.pool, migrations)
  if (directory && options.migrate !== false) await createDirectoryService({ pool: database.pool }).publish(directory, { actor: 'test' })
  const app = await buildApp({ config, database, migrations, logger, ...(options.loopHealth ? { loopHealth: options.loopHealth } : {}) })
  t.teardown(() => app.close())
  await app.ready()
  const auth = async (clientId: string, scopes?: string[]) => ({ authorization: `Bearer ${await idp.tokenFor(clientId, scopes)}` })
  return { app, database, config, databaseUrl, idp, logs, auth }
}

/** The operator console logs people in (code + PKCE, any loopback port); every other client is a partner's machine. */
function testClient(clientId: string) {
  if (clientId === 'gateway-console') return { clientId, scopes: [...SCOPES], redirectUris: ['http://127.0.0.1/console/callback'] }
  return { clientId, scopes: [...SCOPES] }
}

/** A logger with the production redaction and serialisers, writing into an array the test can inspect. */
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
  const logger = pino({ level: 'info', ...logSafety() }, stream)
  return { logger, logs, raw }
}
