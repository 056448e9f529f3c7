import pg from 'pg'
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'

t.test('a statement held past DB_STATEMENT_TIMEOUT_MS is a 503 with Retry-After, and the next request succeeds', async (t) => {
  const ctx = await buildTestApp(t, { env: { DB_STATEMENT_TIMEOUT_MS: '200', DB_QUERY_TIMEOUT_MS: '5000' } })
  const headers = await ctx.auth('be-hotline')
  // another session holds the directory: the gateway's read of it waits until PostgreSQL cancels it
  const holder = new pg.Client({ connectionString: ctx.databaseUrl })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query('BEGIN')
  await holder.query('LOCK TABLE directory_versions IN ACCESS EXCLUSIVE MODE')
  const held = await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers })
  await holder.query('ROLLBACK')
  t.equal(held.statusCode, 503)
  t.equal(held.headers['content-type'], 'application/problem+json')
  t.match(held.headers['retry-after'], /^\d+$/)
  t.match(held.json(), { code: 'HG_UNAVAILABLE', status: 503 })
  t.equal((await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers })).statusCode, 200, 'once the lock is gone')
})
