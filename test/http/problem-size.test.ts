import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { fixtureJson } from '../intake/helpers.ts'

/** A few KB, whatever the request held. */
const MAX_PROBLEM_BYTES = 8192

t.test('a problem body stays a few KB however much of the request it would echo', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = { ...(await ctx.auth('be-hotline')), 'content-type': 'application/json' }
  const count = async () => (await ctx.database.pool.query('SELECT count(*)::int AS n FROM reports')).rows[0].n

  // an unknown property whose name is half a megabyte: named in the detail and in the field error
  const longName = { ...fixtureJson('report-web-form.json'), ['x'.repeat(500_000)]: 1 }
  const named = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers, payload: JSON.stringify(longName) })
  t.equal(named.statusCode, 400)
  t.ok(named.rawPayload.length < MAX_PROBLEM_BYTES, `${named.rawPayload.length} bytes`)
  const problem = named.json()
  t.equal(problem.code, 'HG_VALIDATION')
  t.match(problem.errors, [{ in: 'body', pointer: /^\/xxxx.*…$/, message: 'is not allowed here (unknown property)' }], 'the field is still named')

  // a thousand bad items: every one of them has several errors
  const many = fixtureJson('report-web-form.json')
  many.items = Array.from({ length: 1000 }, (_, i) => ({ url: `data:,${i}`, content_type: 'photo', [`extra_${i}`]: 1 }) as never)
  const listed = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers, payload: JSON.stringify(many) })
  t.equal(listed.statusCode, 400)
  t.ok(listed.rawPayload.length < MAX_PROBLEM_BYTES, `${listed.rawPayload.length} bytes`)
  const { errors, errors_omitted: omitted } = listed.json()
  t.ok(errors.length > 10, `${errors.length} field errors listed`)
  t.ok(omitted > 0, `${omitted} more counted, not listed`)
  t.equal(await count(), 0, 'nothing stored')
})
