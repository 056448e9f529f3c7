import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { readMigrations } from '../../src/db/migrate.ts'
import { buildTestApp, capturingLogger } from '../helpers/app.ts'
import { insideOneWindow } from '../helpers/rate-window.ts'

t.test('security headers on every response', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.match(res.headers['strict-transport-security'], /max-age=\d+/)
  t.match(res.headers['content-security-policy'], /default-src 'self'/)
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200, 'Swagger UI still loads under its own CSP')
})

t.test('public operations are limited per IP, with a problem and retry information', async (t) => {
  const { app } = await buildTestApp(t, { env: { RATE_LIMIT_PUBLIC: '5' } })
  const statuses = []
  await insideOneWindow()
  for (let i = 0; i < 7; i++) statuses.push((await app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: '198.51.100.7' })).statusCode)
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429])
  const limited = await app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: '198.51.100.7' })
  t.match(limited.json(), { code: 'HG_RATE_LIMITED', status: 429 })
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.equal(limited.headers['ratelimit-limit'], '5')
  const other = await app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: '198.51.100.8' })
  t.equal(other.statusCode, 200, 'another address has its own budget')
  const health = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.7' })
  t.equal(health.statusCode, 200, 'health checks are never limited')
})

t.test('authenticated operations are limited per participant', async (t) => {
  const ctx = await buildTestApp(t, { env: { RATE_LIMIT_PARTICIPANT: '3' } })
  const be = await ctx.auth('be-hotline')
  const statuses = []
  await insideOneWindow()
  for (let i = 0; i < 4; i++) statuses.push((await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: be })).statusCode)
  t.same(statuses, [200, 200, 200, 429])
  const nl = await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: await ctx.auth('nl-hotline') })
  t.equal(nl.statusCode, 200, 'another participant has its own budget')
})

t.test('the limit holds across gateway processes sharing one database', async (t) => {
  const ctx = await buildTestApp(t, { env: { RATE_LIMIT_PARTICIPANT: '10' } })
  const { logger } = capturingLogger()
  const second = await buildApp({ config: ctx.config, database: ctx.database, migrations: await readMigrations(), logger })
  t.teardown(() => second.close())
  const headers = await ctx.auth('be-hotline')
  const apps = [ctx.app, second]
  let allowed = 0
  await insideOneWindow()
  for (let i = 0; i < 30; i++) {
    const res = await apps[i % 2]!.inject({ method: 'GET', url: '/v1/directory', headers })
    if (res.statusCode === 200) allowed++
  }
  t.equal(allowed, 10, 'exactly the limit, not the limit per process')
})

t.test('protected operations called without a valid token are limited per IP like public ones', async (t) => {
  const { app } = await buildTestApp(t, { env: { RATE_LIMIT_PUBLIC: '5' } })
  const statuses = []
  await insideOneWindow()
  for (let i = 0; i < 7; i++) statuses.push((await app.inject({ method: 'GET', url: '/v1/directory', remoteAddress: '198.51.100.9' })).statusCode)
  t.same(statuses, [401, 401, 401, 401, 401, 429, 429])
  const forged = await app.inject({
    method: 'GET',
    url: '/v1/directory',
    remoteAddress: '198.51.100.9',
    headers: { authorization: 'Bearer not.a.token' },
  })
  t.equal(forged.statusCode, 429, 'a bad token is counted against the same address')
  const other = await app.inject({ method: 'GET', url: '/v1/directory', remoteAddress: '198.51.100.10' })
  t.equal(other.statusCode, 401, 'another address has its own budget')
})
