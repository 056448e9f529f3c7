import t, { type Test } from 'tap'
import { fromDsaNotice as readWith, toPlatformNotice, type DsaNotice, type FromDsaNoticeOptions } from '../../src/formats/dsa-notice.ts'
import { createDsaNoticeValidator, validateDsaNotice } from '../../src/intake/dsa-notice-validator.ts'
import { addIntakeSchemas, DSA_NOTICE_SCHEMA_ID } from '../../src/intake/intake-schemas.ts'
import { validateReport, type CanonicalReport } from '../../src/intake/report.ts'
import { project } from '../../src/routing/projection.ts'
import { fixtureJson, formatErrorOf, serverLikeAjv } from '../intake/helpers.ts'

type Json = any

/** Reads with the standalone validator unless a test passes another (intake passes the server's). */
const fromDsaNotice = (input: unknown, opts: Partial<FromDsaNoticeOptions> = {}) => readWith(input, { validator: validateDsaNotice, ...opts })

const notice = (): Json => fixtureJson<DsaNotice>('dsa-notice.json')

t.test("a DSA notice maps to a canonical report: what identifies the content is each item's context", async (t) => {
  const report = fromDsaNotice(notice())
  const context = 'The images are in the first post and in the third attachment of the thread.'
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
      legal_ground: 'Directive 2011/93/EU, Article 5(4); Strafgesetzbuch section 184b',
      explanation: 'The thread shows images of the sexual abuse of a prepubescent child: child sexual abuse material.',
    },
    items: [
      { url: 'https://example.org/board/thread/4711', context, hosting: { platform: 'Example Board' } },
      { url: 'https://example.org/board/thread/4711/attachment/3', context, hosting: { platform: 'Example Board' } },
    ],
  })
  t.equal(validateReport(report).ok, true, 'the mapped report is valid, article 16 rules included')
})

t.test('a notice per URL: locations give one item its own context', async (t) => {
  const n = notice()
  n.locations = [{ url: n.urls[1], additional_information: 'The third attachment, a comment with a link.' }]
  const report = fromDsaNotice(n)
  t.same(
    report.items.map((i) => i.context),
    [n.additional_information, 'The third attachment, a comment with a link.'],
  )
  n.locations.push({ url: 'https://example.org/elsewhere', additional_information: 'x' }, { url: n.urls[1], additional_information: 'y' })
  t.same(
    formatErrorOf(() => fromDsaNotice(n)).errors.map((e) => e.pointer),
    ['/locations/1/url', '/locations/2/url'],
    'a location names one of the urls, once',
  )
})

t.test('the notifier is shared with the platform only when the notice says so', async (t) => {
  const n = notice()
  t.equal(fromDsaNotice(n).reporter.share_contact_with_platform, undefined)
  n.notifier.share_with_platform = true
  t.match(fromDsaNotice(n).reporter, { anonymous: false, contact: { email: 'notices@hotline.example.org' }, share_contact_with_platform: true })
  t.notOk('share_with_platform' in (fromDsaNotice(n).reporter.contact ?? {}), 'the flag is not contact data')
})

t.test('a notice without notifier is an anonymous report (Art. 16(2)(c)); one that withheld it says so', async (t) => {
  const anonymous = notice()
  delete anonymous.notifier
  const report = fromDsaNotice(anonymous)
  t.same(report.reporter, { anonymous: true, bona_fide_statement: true })
  t.equal(validateReport(report).ok, true)
  anonymous.contact_withheld = true
  t.same(fromDsaNotice(anonymous).reporter, { anonymous: true, bona_fide_statement: true, contact_withheld: true })
  t.equal(validateReport(fromDsaNotice(anonymous)).ok, true)
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
  ['a notifier and contact_withheld', (n) => (n.contact_withheld = true), '/contact_withheld'],
  [
    'additional information over 2000 characters (it becomes item context)',
    (n) => (n.additional_information = 'where. '.repeat(300)),
    '/additional_information',
  ],
  ['a location without its information', (n) => (n.locations = [{ url: n.urls[0] }]), '/locations/0/additional_information'],
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

const sentNotice = serverLikeAjv()
addIntakeSchemas(sentNotice)
const validSent = sentNotice.getSchema(DSA_NOTICE_SCHEMA_ID)!

/** The notice a platform is sent for `report`'s `items`, checked against schemas/dsa-notice.v1.json. */
function platformNotice(t: Test, report: CanonicalReport, items?: number[]): DsaNotice {
  const sent = toPlatformNotice(project(report, 'platform', items ? { items } : {}))
  t.ok(validSent(sent), `a valid notice: ${JSON.stringify(validSent.errors)}`)
  return sent
}

t.test('a report becomes the notice a platform receives: locations, context, explanation; no description', async (t) => {
  const report: CanonicalReport = fixtureJson('report-web-form.json')
  const sent = platformNotice(t, report)
  t.strictSame(sent, {
    urls: [report.items[0]!.url, report.items[1]!.url],
    locations: [
      { url: report.items[0]!.url, additional_information: report.items[0]!.context },
      { url: report.items[1]!.url, additional_information: report.items[1]!.context },
    ],
    explanation: report.incident.explanation,
    legal_ground: report.incident.legal_ground,
    contact_withheld: true,
    bona_fide_statement: true,
  })
  const text = JSON.stringify(sent)
  for (const withheld of [
    report.incident.description!,
    'Alex Example',
    'alex.reporter@example.net',
    '+31201234567',
    'trader_0815',
    'nationally_illegal',
    'Example Hosting',
  ]) {
    t.notOk(text.includes(withheld), `${withheld.slice(0, 30)} is not in the notice`)
  }
  t.strictSame(platformNotice(t, report, [1]).additional_information, report.items[1]!.context, "one item: its context is the notice's")
})

t.test("the reporter's name and email go to the platform only when they agreed to share them", async (t) => {
  const report: CanonicalReport = fixtureJson('report-web-form.json')
  ;(report.reporter as { share_contact_with_platform?: boolean }).share_contact_with_platform = true
  const sent = platformNotice(t, report, [0])
  t.strictSame(sent.notifier, { name: 'Alex Example', email: 'alex.reporter@example.net' })
  t.equal(sent.contact_withheld, undefined)
  t.notOk(JSON.stringify(sent).includes('+31201234567'), 'never the phone')
  const phoneOnly = structuredClone(report)
  phoneOnly.reporter = { anonymous: false, contact: { phone: '+31201234567' }, share_contact_with_platform: true }
  t.strictSame(platformNotice(t, phoneOnly, [0]).contact_withheld, true, 'a contact without email cannot name a notifier: withheld')
})

t.test('the bona fide statement only when the reporter made it; an anonymous reporter is not a withheld one', async (t) => {
  const report: CanonicalReport = fixtureJson('report-web-form.json')
  report.reporter = { anonymous: true }
  const sent = platformNotice(t, report, [0])
  t.equal(sent.bona_fide_statement, undefined, 'not asserted for a report that never made it')
  t.equal(sent.contact_withheld, undefined)
  t.equal(sent.notifier, undefined)
})

t.test('reports a notice cannot express are refused', async (t) => {
  const noExplanation: CanonicalReport = fixtureJson('report-phone-operator.json')
  const first = formatErrorOf(() => toPlatformNotice(project(noExplanation, 'platform')))
  t.equal(first.code, 'FORMAT_NOT_REPRESENTABLE')
  t.same(
    first.errors.map((e) => e.pointer),
    ['/incident/explanation'],
  )
  const locatorsOnly: CanonicalReport = fixtureJson('report-anonymous.json')
  locatorsOnly.items = locatorsOnly.items.filter((item) => item.locator !== undefined)
  t.same(
    formatErrorOf(() => toPlatformNotice(project(locatorsOnly, 'platform'))).errors.map((e) => e.pointer),
    ['/items'],
  )
})

t.test('notice -> report -> platform notice gives the notice back, when the notifier agreed to share', async (t) => {
  const original = notice()
  original.notifier.share_with_platform = true
  const back = toPlatformNotice(project(fromDsaNotice(original), 'platform'))
  const { share_with_platform: _, ...notifier } = original.notifier
  const { platform: __, incident_type: ___, ...rest } = original
  t.strictSame(back, { ...rest, notifier })
  t.equal(validateDsaNotice(back).ok, true)
})
