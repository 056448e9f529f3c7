import t from 'tap'
import { parse } from 'yaml'
import { buildTestApp } from './helpers/app.ts'

t.test('liveness and readiness on a migrated database', async (t) => {
  const { app } = await buildTestApp(t)
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', ready: true, database: 'reachable', pending_migrations: 0 })
})

t.test('readiness is a 503 problem while migrations are pending', async (t) => {
  const { app } = await buildTestApp(t, { migrate: false })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.match(res.json(), { code: 'HG_UNAVAILABLE', status: 503, detail: /migration\(s\) not applied/ })
})

t.test('readiness is a 503 problem when the database is gone', async (t) => {
  const { app, database } = await buildTestApp(t)
  await database.close()
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'HG_UNAVAILABLE', detail: /database is unreachable/ })
})

t.test('the contract is served bundled, self-contained, as JSON and YAML', async (t) => {
  const { app } = await buildTestApp(t)
  const json = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(json.statusCode, 200)
  const document = json.json()
  t.equal(document.openapi, '3.1.0')
  const refs = JSON.stringify(document).match(/"\$ref":"[^"]*"/g) ?? []
  t.ok(refs.length > 0)
  t.same(
    refs.filter((r) => !r.startsWith('"$ref":"#/')),
    [],
    'every $ref points inside the document',
  )
  for (const ref of refs) {
    const path = ref
      .slice(9, -1)
      .split('/')
      .slice(1)
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    t.not(
      path.reduce((node: any, key) => node?.[key], document),
      undefined,
      `${ref} resolves`,
    )
  }
  const yaml = await app.inject({ method: 'GET', url: '/openapi.yaml' })
  t.match(yaml.headers['content-type'], /^application\/yaml/)
  t.same(parse(yaml.body), document)
})

t.test('Swagger UI is served at /docs', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /swagger/i)
})

t.test('request logs carry the request id and never the authorization header', async (t) => {
  const { app, logs } = await buildTestApp(t)
  await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer super-secret-token', 'x-request-id': 'trace-1' } })
  const mine = logs.filter((line) => line.request_id === 'trace-1')
  t.ok(mine.length >= 2, 'incoming and completed lines')
  t.notMatch(JSON.stringify(logs), /super-secret-token/)
})
