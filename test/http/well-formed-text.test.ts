import t, { type Test } from 'tap'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import type { CanonicalReport } from '../../src/intake/report.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { fixtureJson, fixtureText } from '../intake/helpers.ts'

/**
 * Text PostgreSQL cannot store (NUL, 22P05) or RFC 8785 cannot canonicalise (a lone surrogate) is
 * refused by the contract itself: a 400 naming the field, before any handler runs, on every operation.
 */

const example = await readDirectoryFile(EXAMPLE_DIRECTORY)
const NUL = 'abc\u0000def'
const LONE = 'x\ud800'

async function counts(ctx: TestApp) {
  const { rows } = await ctx.database.pool.query(`SELECT
    (SELECT count(*) FROM reports)::int AS reports,
    (SELECT count(*) FROM handoffs)::int AS handoffs,
    (SELECT count(*) FROM audit_entries)::int AS audit,
    (SELECT count(*) FROM directory_versions)::int AS directory`)
  return rows[0] as Record<string, number>
}

function referral(externalId: string, description: string): CanonicalReport {
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  report.source.external_id = externalId
  report.incident.description = description
  return report
}

function assertRefused(t: Test, res: { statusCode: number; headers: Record<string, unknown>; json(): any }, pointer: string) {
  t.equal(res.statusCode, 400, JSON.stringify(res.json()).slice(0, 300))
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.equal(body.code, 'HG_VALIDATION')
  t.ok(
    (body.errors ?? []).some((e: { pointer: string; message: string }) => e.pointer === pointer && /NUL|Unicode/.test(e.message)),
    `names ${pointer}: ${JSON.stringify(body.errors)}`,
  )
}

for (const [name, text] of [
  ['a NUL character', NUL],
  ['a lone surrogate', LONE],
] as const) {
  t.test(`${name} in a stored string is a 400 naming the field, and stores nothing`, async (t) => {
    const ctx = await buildTestApp(t)
    const writer = await ctx.auth('be-hotline')
    const admin = await ctx.auth('gateway-admin')
    const before = await counts(ctx)
    const post = (url: string, payload: string, contentType = 'application/json', headers = writer) =>
      ctx.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload })

    const report = await post('/v1/reports', JSON.stringify(referral('T-1', text)))
    assertRefused(t, report, '/incident/description')

    const notice = { ...JSON.parse(fixtureText('dsa-notice.json')), additional_information: text }
    const dsa = await post('/v1/reports', JSON.stringify(notice), 'application/vnd.hotline-gateway.dsa-notice.v1+json')
    assertRefused(t, dsa, '/additional_information')

    const batch = await post('/v1/reports/batch', JSON.stringify({ reports: [referral('T-2', text)] }))
    t.equal(batch.statusCode, 200, 'a batch answers one result per report')
    t.match(batch.json().results, [{ index: 0, status: 'rejected', problem: { code: 'HG_VALIDATION' } }])
    t.ok(batch.json().results[0].problem.errors.some((e: { pointer: string }) => e.pointer === '/reports/0/incident/description'))

    const participant = { ...example.participants.find((p) => p.id === 'be-hotline')!, name: `Example ${text}` }
    const put = await ctx.app.inject({
      method: 'PUT',
      url: '/v1/directory/participants/be-hotline',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify(participant),
    })
    assertRefused(t, put, '/name')

    const retract = await post('/v1/reports/0190a6f0-0000-7000-8000-000000000000/retract', JSON.stringify({ reason: text }))
    assertRefused(t, retract, '/reason')

    t.same(await counts(ctx), before, 'nothing was stored')
  })
}

t.test('a raw NUL in an XML element is a 400 naming the element', async (t) => {
  const ctx = await buildTestApp(t)
  const before = await counts(ctx)
  const xml = fixtureText('cybertipline-report.xml').replace('Detected by hash matching', 'Detected\u0000by hash matching')
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { ...(await ctx.auth('exampletube')), 'content-type': 'application/xml' },
    payload: Buffer.from(xml, 'utf8'),
  })
  t.equal(res.statusCode, 400, res.body.slice(0, 300))
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.json().code, 'HG_VALIDATION')
  t.ok(
    res.json().errors.some((e: { pointer: string }) => e.pointer.startsWith('/report/additionalInfo')),
    JSON.stringify(res.json().errors),
  )
  t.same(await counts(ctx), before, 'nothing was stored')
})

t.test('paired surrogates (an emoji) and other text are still accepted', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { ...(await ctx.auth('be-hotline')), 'content-type': 'application/json' },
    payload: JSON.stringify(referral('T-3', 'Gefunden über das Forum \ud83d\ude00, tab\tand newline\n')),
  })
  t.equal(res.statusCode, 202, res.body)
})
