import t from 'tap'
import { createDsaNoticeValidator, fromDsaNotice, toDsaNotice, validateDsaNotice, type DsaNotice } from '../../../src/intake/formats/dsa-notice.ts'
import { validateReport, type CanonicalReport } from '../../../src/intake/report.ts'
import { fixtureJson, formatErrorOf, serverLikeAjv } from '../helpers.ts'

type Json = any

const notice = (): Json => fixtureJson<DsaNotice>('dsa-notice.json')

t.test('a DSA notice maps to a canonical report', async (t) => {
  const report = fromDsaNotice(notice())
  t.strictSame(report, {
    schema_version: '1',
    channel: 'web_form',
    source: { source_type: 'article_16' },
    reporter: {
      anonymous: false,
      contact: { name: 'Example Hotline e.V.', email: 'notices@hotline.example.org' },
      bona_fide_statement: true,
    },
    incident: {
      type: 'child_pornography',
      description: 'The images are in the first post and in the third attachment of the thread.',
      legal_ground: 'Directive 2011/93/EU, Article 5(4); Strafgesetzbuch section 184b',
      explanation: 'The thread shows images of the sexual abuse of a prepubescent child: child sexual abuse material.',
    },
    items: [
      { url: 'https://example.org/board/thread/4711', hosting: { platform: 'Example Board' } },
      { url: 'https://example.org/board/thread/4711/attachment/3', hosting: { platform: 'Example Board' } },
    ],
  })
  t.equal(validateReport(report).ok, true, 'the mapped report is valid, article 16 rules included')
})

t.test('notice -> report -> notice gives the notice back', async (t) => {
  const original = notice()
  const back = toDsaNotice(fromDsaNotice(original), { notifier: original.notifier })
  t.strictSame(back, original)
  t.equal(validateDsaNotice(back).ok, true)
})

t.test('a notice without notifier is an anonymous report (Art. 16(2)(c))', async (t) => {
  const anonymous = notice()
  delete anonymous.notifier
  const report = fromDsaNotice(anonymous)
  t.same(report.reporter, { anonymous: true, bona_fide_statement: true })
  t.equal(validateReport(report).ok, true)
})

t.test('a trusted flagger notice is recorded as such', async (t) => {
  const report = fromDsaNotice(notice(), { sourceType: 'trusted_flagger', validator: createDsaNoticeValidator(serverLikeAjv()) })
  t.equal(report.channel, 'trusted_flagger')
  t.same(report.source, { source_type: 'trusted_flagger' })
})

/** [rule, mutation, pointer] */
const INVALID: Array<[string, (n: Json) => void, string]> = [
  ['bona_fide_statement false', (n) => (n.bona_fide_statement = false), '/bona_fide_statement'],
  ['bona_fide_statement missing', (n) => delete n.bona_fide_statement, '/bona_fide_statement'],
  ['bona_fide_statement as a string', (n) => (n.bona_fide_statement = 'true'), '/bona_fide_statement'],
  ['explanation missing', (n) => delete n.explanation, '/explanation'],
  ['explanation over 2000 characters', (n) => (n.explanation = 'because. '.repeat(223)), '/explanation'],
  ['legal ground over 500 characters', (n) => (n.legal_ground = 'Art. 5, '.repeat(63)), '/legal_ground'],
  ['no URLs', (n) => (n.urls = []), '/urls'],
  ['data: URL', (n) => (n.urls[0] = 'data:image/png;base64,iVBORw0KGgo='), '/urls/0'],
  ['the same URL twice', (n) => (n.urls[1] = n.urls[0]), '/urls'],
  ['notifier without email', (n) => delete n.notifier.email, '/notifier/email'],
  ['notifier with a bad email', (n) => (n.notifier.email = 'hotline'), '/notifier/email'],
  ['unknown incident type', (n) => (n.incident_type = 'csam'), '/incident_type'],
  ['unknown property', (n) => (n.priority = 'high'), '/priority'],
]

t.test('invalid notices are rejected with the pointer of the field', async (t) => {
  for (const [rule, mutate, pointer] of INVALID) {
    const value = notice()
    mutate(value)
    const result = validateDsaNotice(value)
    t.ok(!result.ok && result.errors.some((e) => e.pointer === pointer), `${rule}: ${pointer}`)
    const error = formatErrorOf(() => fromDsaNotice(value))
    t.ok(
      error.errors.some((e) => e.pointer === pointer),
      `${rule}: fromDsaNotice throws naming ${pointer}`,
    )
  }
})

t.test('a report becomes the notice a platform receives', async (t) => {
  const report: CanonicalReport = fixtureJson('report-web-form.json')
  const sent = toDsaNotice(report, { notifier: { name: 'Example Hotline', email: 'notices@hotline.example.org' } })
  t.strictSame(sent, {
    urls: ['https://example.org/board/thread/4711?utm_source=newsletter#post-12', 'https://example.net/comments/98765'],
    additional_information: report.incident.description,
    explanation: report.incident.explanation,
    legal_ground: report.incident.legal_ground,
    incident_type: 'child_pornography',
    notifier: { name: 'Example Hotline', email: 'notices@hotline.example.org' },
    bona_fide_statement: true,
    platform: 'Example Board',
  })
  t.equal(validateDsaNotice(sent).ok, true)
})

t.test("the reporter's contact is never passed on to the platform", async (t) => {
  const report: CanonicalReport = fixtureJson('report-web-form.json')
  const sent = toDsaNotice(report)
  t.equal(sent.notifier, undefined)
  t.notMatch(JSON.stringify(sent), 'alex.reporter@example.net')
})

t.test('reports a notice cannot express are refused', async (t) => {
  const noExplanation: CanonicalReport = fixtureJson('report-phone-operator.json')
  const first = formatErrorOf(() => toDsaNotice(noExplanation))
  t.equal(first.code, 'FORMAT_NOT_REPRESENTABLE')
  t.same(
    first.errors.map((e) => e.pointer),
    ['/incident/explanation'],
  )
  const locatorsOnly: CanonicalReport = fixtureJson('report-anonymous.json')
  locatorsOnly.items = locatorsOnly.items.filter((item) => item.locator !== undefined)
  t.same(
    formatErrorOf(() => toDsaNotice(locatorsOnly)).errors.map((e) => e.pointer),
    ['/items'],
  )
})

t.test('a platform gets a notice made from its projection only: locations, legal ground, explanation', async (t) => {
  const { project } = await import('../../../src/routing/projection.ts')
  const { toPlatformNotice } = await import('../../../src/intake/formats/dsa-notice.ts')
  const report = fixtureJson('report-web-form.json')
  const notice = toPlatformNotice(project(report, 'platform', { items: [0] }), {
    notifier: { name: 'Example Hotline', email: 'notices@hotline.example.org' },
  })
  t.same(Object.keys(notice).sort(), ['bona_fide_statement', 'explanation', 'legal_ground', 'notifier', 'urls'])
  t.same(notice.urls, [report.items[0]!.url])
  t.equal(notice.explanation, report.incident.explanation)
  const text = JSON.stringify(notice)
  for (const withheld of [report.incident.description!, 'alex.reporter@example.net', 'trader_0815', 'nationally_illegal', report.items[1]!.url!]) {
    t.notOk(text.includes(withheld), `${withheld.slice(0, 30)} is not in the notice`)
  }
})
