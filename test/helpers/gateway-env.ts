import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { SCOPES } from '../../src/auth/scopes.ts'
import { migrate, readMigrations } from '../../src/db/migrate.ts'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import type { DirectoryDocument } from '../../src/directory/participant.ts'
import { AUDIENCE } from './app.ts'
import { createTestDatabase } from './database.ts'
import { startTestIdp } from './idp.ts'

interface TestContext {
  teardown(fn: () => unknown): void
}

/** A migrated database with `directory` published, a real IdP for its clients, and the env for gateway processes on them. */
export async function gatewayEnv(t: TestContext, directory: DirectoryDocument) {
  const databaseUrl = await createTestDatabase(t)
  const idp = await startTestIdp({
    audience: AUDIENCE,
    clients: directory.participants.flatMap((p) => p.clients).map((clientId) => ({ clientId, scopes: [...SCOPES] })),
  })
  t.teardown(() => idp.close())
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  t.teardown(() => pool.end())
  await migrate(pool, await readMigrations())
  await createDirectoryService({ pool }).publish(directory, { actor: 'test' })
  const env = { DATABASE_URL: databaseUrl, OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: AUDIENCE, ENCRYPTION_KEY: randomBytes(32).toString('base64') }
  return { pool, idp, env }
}
