import { createLocalJWKSet, compactVerify } from 'jose'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { activeKey, rotateKey } from '../../src/keys/gateway-keys.ts'
import { createSealer } from '../../src/crypto/sealer.ts'
import { canonicalDigest } from '../../src/crypto/jcs.ts'
import type { CanonicalReport } from '../../src/intake/report.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { growth, scrapeMetrics } from '../helpers/metrics.ts'
import { fixtureJson, fixtureText } from './helpers.ts'

const web = () => fixtureJson('report-web-form.json')

/** A hotline's referral: the web-form fixture relayed by a hotline, with its own external id. */
function referral(externalId?: string): CanonicalReport {
  const report = web()
  report.channel = 'hotline_referral'
  if (externalId) report.source.external_id = externalId
  else delete report.source.external_id
  return report
}

async function rows(ctx: TestApp) {
  const { rows } = await ctx.database.pool.query(`SELECT
    (SELECT count(*) FROM reports)::int AS reports,
    (SELECT count(*) FROM report_keys)::int AS keys,
    (SELECT count(*) FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'report.received')::int AS received`)
  return rows[0] as { reports: number; keys: number; received: number }
}

async function submit(ctx: TestApp, client: string, payload: unknown, headers: Record<string, string> = {}) {
  const contentType = headers['content-type'] ?? 'application/json'
  return ctx.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { ...(await ctx.auth(client)), ...headers, 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })
}

t.test('an accepted report gets a 202 and a receipt that verifies against the published JWKS', async (t) => {
  const ctx = await buildTestApp(t)
  const report = referral('REF-1')
  const res = await submit(ctx, 'be-hotline', report)
  t.equal(res.statusCode, 202, res.body)
  const body = res.json()
  t.match(body, { id: /^[0-9a-f-]{36}$/, sender: 'be-hotline', case_id: body.id, duplicate_of: null })
  t.equal(body.id.charAt(14), '7', 'UUIDv7')
  t.equal(res.headers.location, `/v1/reports/${body.id}`)
  t.equal(body.report_sha256, canonicalDigest(report).toString('hex'), 'the digest is of the RFC 8785 canonical report')
  const jwks = (await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  const { payload, protectedHeader } = await compactVerify(body.receipt, createLocalJWKSet(jwks))
  t.match(protectedHeader, { alg: 'EdDSA', kid: jwks.keys[0].kid, typ: 'hotline-gateway-receipt+jws' })
  t.same(JSON.parse(Buffer.from(payload).toString()), {
    report_id: body.id,
    sender: 'be-hotline',
    received_at: body.received_at,
    report_sha256: body.report_sha256,
    status_url: body.status_url,
  })
  const tampered = body.receipt.replace(/\.([A-Za-z0-9_-])/, (_: string, c: string) => `.${c === 'A' ? 'B' : 'A'}`)
  await t.rejects(compactVerify(tampered, createLocalJWKSet(jwks)), 'a tampered receipt does not verify')
  t.same(await rows(ctx), { reports: 1, keys: 5, received: 1 })
})

t.test('the sender reads its report; another participant, even of the same kind, gets 404', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = (await submit(ctx, 'be-hotline', referral())).json()
  const mine = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${id}`, headers: await ctx.auth('be-hotline') })
  t.equal(mine.statusCode, 200)
  t.match(mine.json(), { id, state: 'routed', channel: 'hotline_referral', case_id: id, duplicate_of: null })
  const theirs = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${id}`, headers: await ctx.auth('nl-hotline') })
  t.equal(theirs.statusCode, 404, 'absence is not leaked')
  const auditor = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${id}`, headers: await ctx.auth('example-auditor') })
  t.equal(auditor.statusCode, 403, 'an auditor never reads report contents')
  const retractByOther = await ctx.app.inject({
    method: 'POST',
    url: `/v1/reports/${id}/retract`,
    headers: await ctx.auth('nl-hotline'),
    payload: { reason: 'not mine' },
  })
  t.equal(retractByOther.statusCode, 404)
})

t.test('reporter contact data is encrypted at rest and never logged', async (t) => {
  const ctx = await buildTestApp(t)
  const report = referral()
  const { id } = (await submit(ctx, 'be-hotline', report)).json()
  const {
    rows: [row],
  } = await ctx.database.pool.query('SELECT canonical, contact_sealed FROM reports WHERE id = $1', [id])
  t.notOk(row.canonical.reporter.contact, 'no contact in the stored canonical report')
  t.ok(row.contact_sealed.length > 40)
  t.notOk(row.contact_sealed.toString('latin1').includes('alex.reporter'), 'the sealed contact is not plaintext')
  const logs = JSON.stringify(ctx.logs)
  for (const secret of ['alex.reporter@example.net', '+31201234567', 'example.org/board', 'Bearer '])
    t.notOk(logs.includes(secret), `${secret} is not logged`)
})

t.test('Idempotency-Key: same body, same answer and nothing new; other body, 409 and nothing new', async (t) => {
  const ctx = await buildTestApp(t)
  const key = { 'idempotency-key': 'retry-42' }
  const first = await submit(ctx, 'be-hotline', referral(), key)
  const again = await submit(ctx, 'be-hotline', referral(), key)
  t.equal(again.statusCode, 202)
  t.same(again.json(), first.json(), 'the same answer again')
  const before = await rows(ctx)
  const other = referral()
  other.incident.description = 'A different description.'
  const counted = await scrapeMetrics(ctx)
  const conflict = await submit(ctx, 'be-hotline', other, key)
  t.equal(conflict.statusCode, 409)
  t.equal(conflict.json().code, 'HG_CONFLICT')
  const grew = growth(counted, await scrapeMetrics(ctx))
  t.equal(grew('hg_reports_total{channel="hotline_referral",outcome="conflict"}'), 1, 'counted as a conflict, not a failure')
  t.same(await rows(ctx), before)
  t.same(before, { reports: 1, keys: 5, received: 1 })
  const otherSender = await submit(ctx, 'nl-hotline', referral(), key)
  t.equal(otherSender.statusCode, 202, 'keys are per sender')
})

t.test('external_id is unique per sender: same content replays, other content is a 409 naming the field', async (t) => {
  const ctx = await buildTestApp(t)
  const first = (await submit(ctx, 'be-hotline', referral('X-1'))).json()
  const replay = await submit(ctx, 'be-hotline', referral('X-1'))
  t.equal(replay.json().id, first.id)
  const changed = referral('X-1')
  changed.items.pop()
  const conflict = await submit(ctx, 'be-hotline', changed)
  t.equal(conflict.statusCode, 409)
  t.same(conflict.json().errors, [{ in: 'body', pointer: '/source/external_id', message: 'already used for a different report' }])
  t.equal((await rows(ctx)).reports, 1)
})

t.test('reports of the same material join one case: by normalised URL, or by any equal hash', async (t) => {
  const ctx = await buildTestApp(t)
  const first = (await submit(ctx, 'be-hotline', referral())).json()
  const sameUrl = referral()
  sameUrl.items = [{ url: 'HTTPS://Example.ORG:443/board/thread/4711?fbclid=abc#other', content_type: 'image' }]
  const byUrl = (await submit(ctx, 'nl-hotline', sameUrl)).json()
  t.match(byUrl, { case_id: first.id, duplicate_of: first.id })
  const sameHash = referral()
  sameHash.items = [
    {
      url: 'https://example.net/mirror/1',
      hashes: [{ alg: 'sha256', value: '0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF'.toLowerCase() }],
    },
  ]
  const byHash = (await submit(ctx, 'de-hotline', sameHash)).json()
  t.match(byHash, { case_id: first.id, duplicate_of: first.id })
  const unrelated = referral()
  unrelated.items = [{ url: 'https://example.net/unrelated/9' }]
  const fresh = (await submit(ctx, 'be-hotline', unrelated)).json()
  t.match(fresh, { case_id: fresh.id, duplicate_of: null })
})

t.test('20 concurrent submissions of the same material make one case', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = await ctx.auth('be-hotline')
  const results = await Promise.all(
    Array.from({ length: 20 }, () => ctx.app.inject({ method: 'POST', url: '/v1/reports', headers, payload: referral() })),
  )
  t.same(
    results.map((r) => r.statusCode),
    Array(20).fill(202),
  )
  const bodies = results.map((r) => r.json())
  const cases = new Set(bodies.map((b) => b.case_id))
  t.equal(cases.size, 1, 'one case')
  const opener = bodies.find((b) => b.duplicate_of === null)
  t.ok(opener, 'exactly one report opened it')
  t.equal(bodies.filter((b) => b.duplicate_of === opener.id).length, 19)
  const {
    rows: [db],
  } = await ctx.database.pool.query('SELECT count(DISTINCT case_id)::int AS cases FROM reports')
  t.equal(db.cases, 1)
})

t.test('CyberTipline-style XML is mapped and accepted', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await submit(ctx, 'exampletube', fixtureText('cybertipline-report.xml'), { 'content-type': 'application/xml' })
  t.equal(res.statusCode, 202, res.body)
  const {
    rows: [row],
  } = await ctx.database.pool.query('SELECT channel, payload_media_type, canonical FROM reports')
  t.equal(row.channel, 'platform_escalation')
  t.equal(row.payload_media_type, 'application/xml')
  t.same(row.canonical.incident, fixtureJson('cybertipline-report.expected.json').incident)
})

t.test('a DSA Art. 16 notice is mapped and accepted', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await submit(ctx, 'be-hotline', fixtureText('dsa-notice.json'), {
    'content-type': 'application/vnd.hotline-gateway.dsa-notice.v1+json',
  })
  t.equal(res.statusCode, 202, res.body)
  const {
    rows: [row],
  } = await ctx.database.pool.query('SELECT channel, canonical FROM reports')
  t.equal(row.channel, 'trusted_flagger')
  t.equal(row.canonical.source.source_type, 'article_16')
})

const BAD: Array<[string, () => [unknown, Record<string, string>?], number, string, string?]> = [
  ['unsupported media type', () => ['a,b', { 'content-type': 'text/csv' }], 415, 'HG_UNSUPPORTED_MEDIA_TYPE'],
  ['malformed JSON', () => ['{"schema_version":', {}], 400, 'HG_MALFORMED_BODY'],
  ['unknown enum value', () => [{ ...referral(), channel: 'carrier_pigeon' }], 400, 'HG_VALIDATION', '/channel'],
  [
    'a bad sha256',
    () => {
      const r = referral()
      r.items[0]!.hashes = [{ alg: 'sha256', value: 'abc' }]
      return [r]
    },
    400,
    'HG_VALIDATION',
    '/items/0/hashes/0',
  ],
  ['a bad country code', () => [{ ...referral(), reporter_country: 'UK' }], 400, 'HG_VALIDATION', '/reporter_country'],
  ['an unknown property', () => [{ ...referral(), media_bytes: 'AAAA' }], 400, 'HG_VALIDATION', '/media_bytes'],
  [
    'a data: URL',
    () => {
      const r = referral()
      r.items[0]!.url = 'data:image/png;base64,AAAA'
      return [r]
    },
    400,
    'HG_VALIDATION',
    '/items/0/url',
  ],
  ['no items', () => [{ ...referral(), items: [] }], 400, 'HG_VALIDATION', '/items'],
  [
    'XML with a DOCTYPE',
    () => ['<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><report/>', { 'content-type': 'application/xml' }],
    400,
    'HG_MALFORMED_BODY',
  ],
  ['XML of the wrong vocabulary', () => ['<report><nonsense>1</nonsense></report>', { 'content-type': 'application/xml' }], 400, 'HG_VALIDATION'],
  [
    'a DSA notice without the bona fide statement',
    () => {
      const n = JSON.parse(fixtureText('dsa-notice.json'))
      n.bona_fide_statement = false
      return [n, { 'content-type': 'application/vnd.hotline-gateway.dsa-notice.v1+json' }]
    },
    400,
    'HG_VALIDATION',
    '/bona_fide_statement',
  ],
  [
    'a channel the sender may not use',
    () => [{ ...referral(), channel: 'law_enforcement', source: { source_type: 'law_enforcement' } }],
    422,
    'HG_UNPROCESSABLE',
    '/channel',
  ],
  ['a body over the limit', () => [{ ...referral(), pad: 'x'.repeat(1_100_000) }], 413, 'HG_PAYLOAD_TOO_LARGE'],
]

t.test('bad input gets a 4xx problem naming the field, and changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  for (const [name, make, status, code, pointer] of BAD) {
    const [payload, headers] = make()
    const res = await submit(ctx, 'be-hotline', payload, headers)
    t.equal(res.statusCode, status, `${name}: ${res.body.slice(0, 300)}`)
    t.equal(res.json().code, code, name)
    if (pointer)
      t.ok(
        res.json().errors?.some((e: { pointer: string }) => e.pointer.startsWith(pointer)),
        `${name} names ${pointer}`,
      )
  }
  t.same(await rows(ctx), { reports: 0, keys: 0, received: 0 })
})

t.test('a batch: one result per report, a bad one never sinks the others; over 100 is refused', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = await ctx.auth('be-hotline')
  const bad = { ...referral('B-2'), reporter_country: 'XX' }
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports/batch',
    headers,
    payload: { reports: [referral('B-1'), bad, referral('B-3')] },
  })
  t.equal(res.statusCode, 200)
  const results = res.json().results
  t.match(results, [
    { index: 0, status: 'accepted' },
    { index: 1, status: 'rejected', problem: { code: 'HG_VALIDATION' } },
    { index: 2, status: 'duplicate' },
  ])
  t.ok(results[1].problem.errors.some((e: { pointer: string }) => e.pointer === '/reports/1/reporter_country'))
  t.equal(results[2].acceptance.duplicate_of, results[0].acceptance.id)
  const replay = await ctx.app.inject({ method: 'POST', url: '/v1/reports/batch', headers, payload: { reports: [referral('B-1')] } })
  t.match(replay.json().results, [{ status: 'replayed', acceptance: { id: results[0].acceptance.id } }])
  const before = await rows(ctx)
  const tooMany = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports/batch',
    headers,
    payload: { reports: Array.from({ length: 101 }, (_, i) => referral(`M-${i}`)) },
  })
  t.equal(tooMany.statusCode, 400)
  t.ok(tooMany.json().errors.some((e: { pointer: string }) => e.pointer === '/reports'))
  t.same(await rows(ctx), before)
})

t.test('retraction: the sender withdraws with a reason, once; it is audited', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = await ctx.auth('be-hotline')
  const { id } = (await submit(ctx, 'be-hotline', referral())).json()
  const res = await ctx.app.inject({ method: 'POST', url: `/v1/reports/${id}/retract`, headers, payload: { reason: 'Reported by mistake.' } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { id, state: 'retracted', retraction_reason: 'Reported by mistake.', retracted_at: String })
  const again = await ctx.app.inject({ method: 'POST', url: `/v1/reports/${id}/retract`, headers, payload: { reason: 'again' } })
  t.equal(again.statusCode, 409)
  const empty = await ctx.app.inject({ method: 'POST', url: `/v1/reports/${id}/retract`, headers, payload: { reason: '' } })
  t.equal(empty.statusCode, 400)
  const { rows: entries } = await ctx.database.pool.query(
    `SELECT convert_from(entry, 'UTF8')::jsonb AS e FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'report.retracted'`,
  )
  t.same(
    entries.map((r) => Object.keys(r.e).sort()),
    [['at', 'report_id', 'sender', 'type']],
    'the entry carries no free text',
  )
})

t.test('the receipt key is created once, by the first report, with its audit entry', async (t) => {
  const ctx = await buildTestApp(t)
  t.same((await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), { keys: [] })
  await submit(ctx, 'be-hotline', referral('K-1'))
  await submit(ctx, 'be-hotline', referral('K-2'))
  const jwks = (await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  t.equal(jwks.keys.length, 1)
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(entry, 'UTF8')::jsonb AS e FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'gateway_key.published'`,
  )
  t.match(
    rows.map((r) => r.e),
    [{ purpose: 'receipt', kid: jwks.keys[0].kid }],
  )
})

t.test('the JWKS is served from the public halves alone: keys this process cannot unseal are published too', async (t) => {
  const ctx = await buildTestApp(t)
  // keys sealed by another deployment's ENCRYPTION_KEY: this process's sealer cannot open them
  const elsewhere = createSealer(randomBytes(32))
  const active = await activeKey(ctx.database.pool, elsewhere, 'receipt')
  const { key: rotated } = await rotateKey(ctx.database.pool, elsewhere, 'receipt')
  const res = await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json(), { keys: [rotated.publicJwk, active.publicJwk] }, 'the active key first, the retired one still published')
})

t.test('a full batch of 100: every report accepted in order, the last a duplicate of the first', async (t) => {
  const ctx = await buildTestApp(t)
  const reports = Array.from({ length: 100 }, (_, i) => {
    const report = referral(`FULL-${i}`)
    report.items = [{ url: `https://example.org/full/${i === 99 ? 0 : i}` }]
    return report
  })
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports/batch', headers: await ctx.auth('be-hotline'), payload: { reports } })
  t.equal(res.statusCode, 200)
  const results = res.json().results
  t.same(
    results.map((r: { index: number }) => r.index),
    reports.map((_, i) => i),
  )
  t.same(
    results.slice(0, 99).map((r: { status: string }) => r.status),
    Array(99).fill('accepted'),
  )
  t.match(results[99], { status: 'duplicate', acceptance: { duplicate_of: results[0].acceptance.id, case_id: results[0].acceptance.id } })
  t.equal((await rows(ctx)).reports, 100)
  const ids: string[] = results.map((r: { acceptance: { id: string } }) => r.acceptance.id)
  t.same([...ids].sort(), ids, 'ids sort in the order the reports were made, within a millisecond too (UUIDv7 with a counter)')
  t.equal(new Set(ids).size, 100)
})

t.test('issue 12 #3: a batch with a report that cannot be stored answers for every report and stores only what it answers for', async (t) => {
  const ctx = await buildTestApp(t)
  const unstorable = referral('S-2')
  unstorable.incident.description = 'x\ud800'
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports/batch',
    headers: { ...(await ctx.auth('be-hotline')), 'content-type': 'application/json' },
    payload: JSON.stringify({ reports: [referral('S-1'), unstorable] }),
  })
  t.equal(res.statusCode, 200, res.body.slice(0, 300))
  t.match(res.headers['content-type'], /^application\/json/)
  const results = res.json().results
  t.match(results, [
    { index: 0, status: 'accepted', acceptance: { id: String } },
    { index: 1, status: 'rejected', problem: { code: 'HG_VALIDATION', status: 400 } },
  ])
  t.ok(results[1].problem.errors.some((e: { pointer: string }) => e.pointer === '/reports/1/incident/description'))
  const { rows: stored } = await ctx.database.pool.query('SELECT id FROM reports')
  t.same(
    stored.map((r: { id: string }) => r.id),
    [results[0].acceptance.id],
    'the one stored report is the one whose receipt the sender got',
  )
})

t.test('issue 12 #4: POST /v1/reports with no body and no Content-Type is a 400 naming the body, like batch and explain', async (t) => {
  const ctx = await buildTestApp(t)
  const headers = await ctx.auth('be-hotline')
  for (const url of ['/v1/reports', '/v1/reports/batch', '/v1/routing/explain']) {
    const res = await ctx.app.inject({ method: 'POST', url, headers })
    t.equal(res.statusCode, 400, `${url}: ${res.body.slice(0, 300)}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/, url)
    t.equal(res.json().code, 'HG_VALIDATION', url)
    t.ok(
      res.json().errors?.some((e: { in: string; pointer: string }) => e.in === 'body' && e.pointer === ''),
      `${url} names the body: ${JSON.stringify(res.json().errors)}`,
    )
  }
  t.same(await rows(ctx), { reports: 0, keys: 0, received: 0 })
})
