import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { fixtureJson } from '../intake/helpers.ts'

t.test('a numeric path parameter that coerces to Infinity ("1e309") is a 400 naming it, not a 500', async (t) => {
  const { app, auth } = await buildTestApp(t)
  const headers = await auth('be-hotline')
  for (const url of ['/v1/directory/versions/1e309', '/v1/routing/rules/versions/1e309']) {
    const res = await app.inject({ method: 'GET', url, headers })
    t.equal(res.statusCode, 400, `${url}: ${res.body.slice(0, 300)}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().code, 'HG_VALIDATION')
    t.same(res.json().errors, [{ in: 'path', pointer: '/version', message: 'must be a finite number' }])
  }
  const fine = await app.inject({ method: 'GET', url: '/v1/directory/versions/1', headers })
  t.equal(fine.statusCode, 200, 'a finite version is still served')
})

t.test('a batch result may quote a refused property name holding a NUL back to its sender', async (t) => {
  const { app, auth } = await buildTestApp(t)
  const report = { ...fixtureJson('report-anonymous.json'), 'a\u0000b': 1 }
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reports/batch',
    headers: { ...(await auth('be-hotline')), 'content-type': 'application/json' },
    payload: JSON.stringify({ reports: [report] }),
  })
  t.equal(res.statusCode, 200, res.body.slice(0, 300))
  t.match(res.json().results, [{ index: 0, status: 'rejected', problem: { code: 'HG_VALIDATION' } }])
  t.ok(res.json().results[0].problem.errors.some((e: { pointer: string }) => e.pointer === '/reports/0/a\u0000b'))
})
