// Runs before the test suite: one clear line instead of a wall of connection errors when the
// local PostgreSQL is down.
import pg from 'pg'

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
try {
  await client.connect()
  await client.query('SELECT 1')
  await client.end()
} catch (error) {
  const where = new URL(url).host
  console.error(
    `PostgreSQL is not reachable at ${where} (${error.code ?? error.message}): the tests need it. ` +
      'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
      '(or set TEST_DATABASE_URL to a server where user postgres may create databases).',
  )
  process.exit(1)
}
