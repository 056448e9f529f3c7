import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { createTestDatabase } from './helpers/database.ts'
import { startGateway } from './helpers/process.ts'
import { readMigrations } from '../src/db/migrate.ts'

const MIGRATIONS = (await readMigrations()).length

t.test('serve on PostgreSQL: migrates, answers, and a SIGTERM exits 0 promptly', async (t) => {
  const gateway = await startGateway({ DATABASE_URL: await createTestDatabase(t) })
  const ready = await fetch(`${gateway.url}/readyz`)
  t.equal(ready.status, 200)
  t.match(
    gateway.logs().find((l) => /hotline-gateway is up/.test(String(l.msg))),
    { msg: /API docs at http:\/\/127\.0\.0\.1:\d+\/docs/ },
  )
  const started = Date.now()
  const exit = await gateway.stop('SIGTERM')
  t.equal(exit.code, 0, 'exit code 0')
  t.ok(Date.now() - started < 5000, 'exits within a few seconds')
  t.match(exit.stdout, /shutting down/)
})

t.test('the signing keys exist from the first start, are published, and a restart keeps them', async (t) => {
  const url = await createTestDatabase(t)
  const first = await startGateway({ DATABASE_URL: url })
  const jwks = (await (await fetch(`${first.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string; crv: string }> }
  t.equal(jwks.keys.length, 1, 'the receipt key is published before any report')
  t.match(jwks.keys[0], { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })
  const auditKey = await fetch(`${first.url}/v1/audit/key`)
  t.equal(auditKey.status, 200, 'and the checkpoint verifier key')
  t.match(
    first.logs().find((l) => l.msg === 'signing keys ready'),
    { keys: [{ purpose: 'receipt', kid: jwks.keys[0]!.kid }, { purpose: 'checkpoint' }] },
  )
  t.equal((await first.stop()).code, 0)

  const second = await startGateway({ DATABASE_URL: url })
  t.teardown(() => second.stop())
  const again = (await (await fetch(`${second.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }
  t.same(
    again.keys.map((k) => k.kid),
    [jwks.keys[0]!.kid],
    'the same key after a restart',
  )
  const db = new pg.Client(url)
  await db.connect()
  t.teardown(() => db.end())
  const { rows } = await db.query(
    "SELECT count(*)::int AS keys, (SELECT count(*)::int FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'gateway_key.published') AS published FROM gateway_keys",
  )
  t.same(rows[0], { keys: 2, published: 2 }, 'two keys, each created and audited once')
})

t.test('an in-flight request finishes during graceful shutdown', async (t) => {
  const url = await createTestDatabase(t)
  const gateway = await startGateway({ DATABASE_URL: url })
  // Hold /readyz inside its database query with a lock, so it is truly in flight when SIGTERM lands.
  const blocker = new pg.Client(url)
  await blocker.connect()
  t.teardown(() => blocker.end())
  await blocker.query('BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE')
  const inFlight = fetch(`${gateway.url}/readyz`)
  await until(() => gateway.logs().some((l) => l.msg === 'incoming request'))
  const exit = gateway.stop('SIGTERM')
  await until(() => gateway.logs().some((l) => /shutting down/.test(String(l.msg))))
  await blocker.query('COMMIT')
  t.equal((await inFlight).status, 200, 'the request that was in flight got its answer')
  t.equal((await exit).code, 0)
})

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

t.test('serve --no-migrate on an empty database runs but reports not ready', async (t) => {
  const gateway = await startGateway({ DATABASE_URL: await createTestDatabase(t) }, ['--no-migrate'])
  const res = await fetch(`${gateway.url}/readyz`)
  t.equal(res.status, 503)
  t.match(await res.json(), { code: 'HG_UNAVAILABLE', detail: new RegExp(`${MIGRATIONS} migration\\(s\\) not applied`) })
  t.equal((await gateway.stop()).code, 0)
})

t.test('embedded PGlite end to end: serves on a fresh data dir and keeps its data across a restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hg-pglite-'))
  const first = await startGateway({ DATA_DIR: dataDir })
  t.match(
    first.logs().find((l) => l.msg === 'database schema is up to date'),
    { applied: MIGRATIONS },
  )
  t.equal((await fetch(`${first.url}/readyz`)).status, 200)
  const docs = await fetch(`${first.url}/docs/`)
  t.equal(docs.status, 200)
  t.equal((await first.stop()).code, 0)

  const second = await startGateway({ DATA_DIR: dataDir })
  t.match(
    second.logs().find((l) => l.msg === 'database schema is up to date'),
    { applied: 0 },
    'the schema survived the restart',
  )
  t.same(await (await fetch(`${second.url}/readyz`)).json(), { status: 'ready', ready: true, database: 'reachable', pending_migrations: 0 })
  t.equal((await second.stop()).code, 0)
})

t.test('a gateway that cannot listen (port taken) stops everything it started and exits 1', async (t) => {
  const url = await createTestDatabase(t)
  const first = await startGateway({ DATABASE_URL: url })
  t.teardown(() => first.stop())
  const port = new URL(first.url).port
  const { runCli } = await import('./helpers/process.ts')
  const second = await runCli(['serve'], { DATABASE_URL: url, PORT: port, HOST: '127.0.0.1' })
  t.equal(second.code, 1)
  t.match(second.stderr, /EADDRINUSE/)
})
