// A server for bench/intake.ts, in its own process: `gateway` (the real app, dev issuer for a token;
// with BENCH_DEPLOYED=1 also the audit sequencer and the delivery loops, as `serve` runs them)
// or `baseline` (a bare Fastify route inserting the same JSON into one table in one transaction).
import Fastify from 'fastify'
import pg from 'pg'
import { pino } from 'pino'
import { buildApp } from '../src/app.ts'
import { startAuditLog } from '../src/audit/audit-runtime.ts'
import { configuredSealer } from '../src/crypto/encryption-key.ts'
import { startHandoffDelivery } from '../src/handoffs/handoff-runtime.ts'
import { loadConfig } from '../src/config/config.ts'
import { openDatabase } from '../src/db/database.ts'
import { migrate, readMigrations } from '../src/db/migrate.ts'
import { readDirectoryFile } from '../src/directory/directory-file.ts'
import { createDirectoryService } from '../src/directory/directory-service.ts'
import { EXAMPLE_DIRECTORY } from '../src/dev/dev-mode.ts'

const [mode, databaseUrl, issuerUrl, audience] = process.argv.slice(2)
// exit cleanly on SIGINT so that --cpu-prof can write its profile
process.once('SIGINT', () => process.exit(0))

if (mode === 'baseline') {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 })
  await pool.query(
    'CREATE TABLE IF NOT EXISTS baseline_reports (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
  )
  const app = Fastify({ logger: false })
  app.post('/v1/reports', async (request, reply) => {
    const { rows } = await pool.query('INSERT INTO baseline_reports (body) VALUES ($1) RETURNING id', [request.body])
    return reply.code(202).send({ id: rows[0].id })
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  console.log(JSON.stringify({ url }))
} else {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    OIDC_ISSUER: 'http://127.0.0.1:1',
    OIDC_AUDIENCE: audience,
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    RATE_LIMIT_PARTICIPANT: '100000000',
  })
  const logger = pino({ level: 'silent' })
  const database = await openDatabase(config, logger)
  await migrate(database.pool, await readMigrations())
  const directory = await readDirectoryFile(EXAMPLE_DIRECTORY)
  await createDirectoryService({ pool: database.pool }).publish(directory, { actor: 'bench' })
  // the issuer runs in the bench process, as an external IdP would: oidc-provider turns on
  // AsyncLocalStorage, whose promise hooks would tax every promise of the process measured here
  const runtime = { ...config, oidcIssuer: issuerUrl! }
  const sealer = await configuredSealer(runtime, logger)
  const app = await buildApp({ config: runtime, database, migrations: await readMigrations(), logger, sealer })
  if (process.env.BENCH_DEPLOYED) {
    // as `serve` runs it: the audit sequencer and the delivery loops in the same process
    await startAuditLog({ config: runtime, database, logger, sealer })
    await startHandoffDelivery({ config: runtime, database, logger, sealer })
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  console.log(JSON.stringify({ url }))
}
