import pg from 'pg'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.ts'
import { runCli } from '../helpers/process.ts'

t.test('--help explains the commands and exits 0', async (t) => {
  const run = await runCli(['--help'])
  t.equal(run.code, 0)
  t.match(run.stdout, /hotline-gateway serve \[--no-migrate\]/)
  t.match(run.stdout, /hotline-gateway migrate/)
})

t.test('an unknown command is refused with the list of commands', async (t) => {
  const run = await runCli(['serv'])
  t.equal(run.code, 2)
  t.match(run.stderr, /unknown command 'serv'\. Commands: serve, migrate.*--help/)
})

t.test('a wrong flag is refused with a pointer to --help', async (t) => {
  const run = await runCli(['serve', '--no-migrat'])
  t.equal(run.code, 2)
  t.match(run.stderr, /Unknown option '--no-migrat'.*Try --help/)
})

t.test('bad configuration stops with the variable named', async (t) => {
  const run = await runCli(['migrate'], { PORT: 'abc' })
  t.equal(run.code, 1)
  t.match(run.stderr, /PORT must be/)
})

t.test('migrate applies the migrations to an external PostgreSQL, then reports it is up to date', async (t) => {
  const url = await createTestDatabase(t)
  const first = await runCli(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'warn' })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /applied 0001_gateway_instance\.sql, 0002_/)
  const second = await runCli(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'warn' })
  t.equal(second.code, 0)
  t.match(second.stdout, /database schema is up to date/)
  const client = new pg.Client(url)
  await client.connect()
  t.teardown(() => client.end())
  t.equal((await client.query('SELECT count(*)::int AS n FROM gateway_instance')).rows[0].n, 1)
})

t.test('with PostgreSQL unreachable, the test suite says so in one clear line', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const script = new URL('../../scripts/check-postgres.js', import.meta.url).pathname
  const run = spawnSync(process.execPath, [script], {
    env: { ...process.env, TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
    encoding: 'utf8',
  })
  t.equal(run.status, 1)
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line')
  t.match(run.stderr, /PostgreSQL is not reachable at 127\.0\.0\.1:1 \(ECONNREFUSED\).*pg_ctlcluster/)
})
