import t from 'tap'
import { buildTestApp, type TestApp } from '../helpers/app.ts'

async function submitXml(ctx: TestApp, payload: Buffer | string, contentType = 'application/xml') {
  return ctx.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { ...(await ctx.auth('exampletube')), 'content-type': contentType },
    payload,
  })
}

async function storedReports(ctx: TestApp): Promise<number> {
  return (await ctx.database.pool.query('SELECT count(*)::int AS n FROM reports')).rows[0].n
}

t.test('an XML error is never larger than a few KB, however the document is broken', async (t) => {
  const ctx = await buildTestApp(t)
  const hostile: Array<[string, string]> = [
    ['300,000 unclosed elements', `<report>${'<a>'.repeat(300_000)}`],
    ['a 900 KB tag name', `<report><${'x'.repeat(900_000)}!></report>`],
    ['30 unclosed elements with long names', `<report>${`<${'n'.repeat(20_000)}>`.repeat(30)}`],
  ]
  for (const [name, xml] of hostile) {
    const res = await submitXml(ctx, xml)
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'HG_MALFORMED_BODY', name)
    t.ok(res.rawPayload.length < 4096, `${name}: ${res.rawPayload.length} bytes`)
  }
  t.equal(await storedReports(ctx), 0)
})
