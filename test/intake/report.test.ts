import t from 'tap'
import { MAX_FIELD_ERRORS } from '../../src/http/field-errors.ts'
import { createReportValidator, validateReport, type CanonicalReport } from '../../src/intake/report.ts'
import { fixtureJson, REPORT_FIXTURES, serverLikeAjv } from './helpers.ts'

// The baseline (test/fixtures/intake/report-web-form.json) has two URL items: items[0] with
// md5/sha256/pdq hashes, hosting and a nationally_illegal classification; items[1] a comment.
type Json = any

const validate = createReportValidator(serverLikeAjv())
const baseline = (): Json => fixtureJson('report-web-form.json')
const hex = (n: number) => '0123456789abcdef'.repeat(Math.ceil(n / 16)).slice(0, n)
const prose = (n: number) => 'the reporter saw this. '.repeat(Math.ceil(n / 23)).slice(0, n)
const anItem = (i: number) => ({ url: `https://example.org/gallery/${i}` })

function errorsOf(report: unknown) {
  const result = validate(report)
  return result.ok ? [] : result.errors
}

t.test('every fixture is a valid canonical report, on the server-like and the standalone instance', async (t) => {
  for (const name of REPORT_FIXTURES) {
    t.same(errorsOf(fixtureJson(name)), [], name)
    t.equal(validateReport(fixtureJson(name)).ok, true, `${name} (standalone)`)
  }
})

t.test('a valid report comes back as the same value', async (t) => {
  const report = baseline()
  const result = validate(report)
  t.ok(result.ok)
  if (result.ok) t.equal(result.report, report)
})

/** [rule, mutation of the baseline, pointer that must be named] */
const violations: Array<[string, (r: Json) => void, string]> = [
  ['unknown top-level property', (r) => (r.received_by = 'x'), '/received_by'],
  ['unknown nested property', (r) => (r.items[0].hosting.asn = 64500), '/items/0/hosting/asn'],
  ['unknown property in a hash (no bytes field)', (r) => (r.items[0].hashes[0].bytes = 'AAAA'), '/items/0/hashes/0/bytes'],
  ['file content field on an item', (r) => (r.items[0].content = 'iVBORw0KGgo='), '/items/0/content'],
  ['schema_version other than "1"', (r) => (r.schema_version = '2'), '/schema_version'],
  ['schema_version missing', (r) => delete r.schema_version, '/schema_version'],
  ['bad channel', (r) => (r.channel = 'email'), '/channel'],
  ['bad source_type', (r) => (r.source.source_type = 'rumour'), '/source/source_type'],
  ['bad incident type', (r) => (r.incident.type = 'csam'), '/incident/type'],
  ['unknown annotation', (r) => (r.incident.annotations = ['deepfake']), '/incident/annotations/0'],
  ['repeated annotation', (r) => (r.incident.annotations = ['sextortion', 'sextortion']), '/incident/annotations'],
  ['bad content_type', (r) => (r.items[0].content_type = 'photo'), '/items/0/content_type'],
  ['bad classification status', (r) => (r.items[0].classification.status = 'illegal'), '/items/0/classification/status'],
  ['nationally_illegal without jurisdiction', (r) => delete r.items[0].classification.jurisdiction, '/items/0/classification/jurisdiction'],
  ['unknown hash algorithm', (r) => (r.items[0].hashes[0].alg = 'sha512'), '/items/0/hashes/0/alg'],
  ['md5 of 31 hex digits', (r) => (r.items[0].hashes[0] = { alg: 'md5', value: hex(31) }), '/items/0/hashes/0/value'],
  ['md5 in upper case', (r) => (r.items[0].hashes[0] = { alg: 'md5', value: hex(32).toUpperCase() }), '/items/0/hashes/0/value'],
  ['sha1 of 64 hex digits', (r) => (r.items[0].hashes[0] = { alg: 'sha1', value: hex(64) }), '/items/0/hashes/0/value'],
  ['sha256 of 63 hex digits', (r) => (r.items[0].hashes[1] = { alg: 'sha256', value: hex(63) }), '/items/0/hashes/1/value'],
  ['pdq with a non-hex digit', (r) => (r.items[0].hashes[2] = { alg: 'pdq', value: `${hex(63)}g` }), '/items/0/hashes/2/value'],
  ['photodna as 288 hex digits', (r) => (r.items[0].hashes[0] = { alg: 'photodna', value: hex(288) }), '/items/0/hashes/0/value'],
  ['photodna of 100 bytes', (r) => (r.items[0].hashes[0] = { alg: 'photodna', value: 'QUFB'.repeat(34) }), '/items/0/hashes/0/value'],
  [
    'tmk_pdqf without the TMK1FVECPDQF magic',
    (r) => (r.items[0].hashes[0] = { alg: 'tmk_pdqf', value: 'QUFB'.repeat(64) }),
    '/items/0/hashes/0/value',
  ],
  ['vpdq with quality 101', (r) => (r.items[0].hashes[0] = { alg: 'vpdq', value: `${hex(64)},101,0.000` }), '/items/0/hashes/0/value'],
  ['vpdq with a short frame hash', (r) => (r.items[0].hashes[0] = { alg: 'vpdq', value: `${hex(63)},90,1.5` }), '/items/0/hashes/0/value'],
  [
    'too many hashes',
    (r) => (r.items[0].hashes = Array.from({ length: 17 }, (_, i) => ({ alg: 'md5', value: hex(31) + (i % 10) }))),
    '/items/0/hashes',
  ],
  ['country "UK" (not ISO; GB is)', (r) => (r.reporter_country = 'UK'), '/reporter_country'],
  ['country in lower case', (r) => (r.items[0].hosting.country = 'nl'), '/items/0/hosting/country'],
  ['country "xx"', (r) => (r.items[0].hosting.country = 'xx'), '/items/0/hosting/country'],
  ['country "ZZ" (user-assigned)', (r) => (r.items[0].classification.jurisdiction = 'ZZ'), '/items/0/classification/jurisdiction'],
  ['country "EU"', (r) => (r.victim_country = 'EU'), '/victim_country'],
  ['not an IP address', (r) => (r.items[0].hosting.ip = '999.0.2.1'), '/items/0/hosting/ip'],
  ['data: URL', (r) => (r.items[1].url = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=='), '/items/1/url'],
  ['DATA: URL in upper case', (r) => (r.items[1].url = 'DATA:text/plain,hello'), '/items/1/url'],
  ['ftp URL', (r) => (r.items[1].url = 'ftp://example.org/file'), '/items/1/url'],
  ['relative URL', (r) => (r.items[1].url = '/board/thread/4711'), '/items/1/url'],
  ['URL with a space', (r) => (r.items[1].url = 'https://example.org/a b'), '/items/1/url'],
  ['URL over 2083 characters', (r) => (r.items[1].url = `https://example.org/${'a'.repeat(2070)}`), '/items/1/url'],
  ['data: locator', (r) => (r.items[1] = { locator: { type: 'other', value: 'data:image/jpeg;base64,/9j/4AAQ' } }), '/items/1/locator/value'],
  ['blob: locator', (r) => (r.items[1] = { locator: { type: 'other', value: 'blob:https://example.org/1' } }), '/items/1/locator/value'],
  [
    'onion locator that is not an onion address',
    (r) => (r.items[1] = { locator: { type: 'onion', value: 'example.org' } }),
    '/items/1/locator/value',
  ],
  ['magnet locator without magnet:?', (r) => (r.items[1] = { locator: { type: 'magnet', value: 'urn:btih:abc' } }), '/items/1/locator/value'],
  ['bad locator type', (r) => (r.items[1] = { locator: { type: 'ftp', value: 'x' } }), '/items/1/locator/type'],
  ['item with both url and locator', (r) => (r.items[1].locator = { type: 'username', value: '@someone' }), '/items/1'],
  ['item with neither url nor locator', (r) => delete r.items[1].url, '/items/1/url'],
  ['items missing', (r) => delete r.items, '/items'],
  ['no items', (r) => (r.items = []), '/items'],
  ['1001 items', (r) => (r.items = Array.from({ length: 1001 }, (_, i) => anItem(i))), '/items'],
  ['description over 5000 characters', (r) => (r.incident.description = prose(5001)), '/incident/description'],
  ['legal_ground over 500 characters', (r) => (r.incident.legal_ground = prose(501)), '/incident/legal_ground'],
  ['explanation over 2000 characters', (r) => (r.incident.explanation = prose(2001)), '/incident/explanation'],
  ['context over 2000 characters', (r) => (r.items[1].context = prose(2001)), '/items/1/context'],
  ['screen name over 256 characters', (r) => (r.reported_accounts[0].screen_name = 'x'.repeat(257)), '/reported_accounts/0/screen_name'],
  ['base64 file content in free text', (r) => (r.items[1].context = `look: ${'iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB'.repeat(10)}`), '/items/1/context'],
  ['external_id over 500 characters', (r) => (r.source.external_id = 'a'.repeat(501)), '/source/external_id'],
  ['external_id with a space and a slash', (r) => (r.source.external_id = 'WF 2024/731'), '/source/external_id'],
  ['external_id with a dot', (r) => (r.source.external_id = 'wf.731'), '/source/external_id'],
  ['prior report ref with a slash', (r) => (r.source.prior_report_refs = ['ref/1']), '/source/prior_report_refs/0'],
  ['imminent danger without a reason', (r) => (r.urgency = { imminent_danger: true }), '/urgency/reason'],
  ['imminent danger with an empty reason', (r) => (r.urgency = { imminent_danger: true, reason: '' }), '/urgency/reason'],
  ['reason over 3000 characters', (r) => (r.urgency = { imminent_danger: true, reason: prose(3001) }), '/urgency/reason'],
  ['urgency without imminent_danger', (r) => (r.urgency = { reason: 'x' }), '/urgency/imminent_danger'],
  ['anonymous reporter with a contact', (r) => (r.reporter.anonymous = true), '/reporter/contact'],
  ['anonymous reporter consenting to contact', (r) => (r.reporter = { anonymous: true, consent_to_contact: true }), '/reporter/consent_to_contact'],
  ['identified reporter without contact', (r) => delete r.reporter.contact, '/reporter/contact'],
  ['empty contact', (r) => (r.reporter.contact = {}), '/reporter/contact'],
  ['consent to contact without email or phone', (r) => (r.reporter.contact = { name: 'Alex' }), '/reporter/contact'],
  ['anonymous given as a string', (r) => (r.reporter.anonymous = 'yes'), '/reporter/anonymous'],
  ['phone not in E.164', (r) => (r.reporter.contact.phone = '020 123 4567'), '/reporter/contact/phone'],
  ['bad email', (r) => (r.reporter.contact.email = 'alex at example.net'), '/reporter/contact/email'],
  [
    'article 16 notice without bona fide statement',
    (r) => ((r.source.source_type = 'article_16'), delete r.reporter.bona_fide_statement),
    '/reporter/bona_fide_statement',
  ],
  [
    'article 16 notice with bona fide statement false',
    (r) => ((r.source.source_type = 'article_16'), (r.reporter.bona_fide_statement = false)),
    '/reporter/bona_fide_statement',
  ],
  ['article 16 notice without explanation', (r) => ((r.source.source_type = 'article_16'), delete r.incident.explanation), '/incident/explanation'],
  ['occurred_at without a time zone', (r) => (r.incident.occurred_at = '2024-05-14T21:07:00'), '/incident/occurred_at'],
  ['language not BCP 47', (r) => (r.language = 'en_US'), '/language'],
  ['empty reported account', (r) => (r.reported_accounts = [{}]), '/reported_accounts/0'],
  ['profile URL that is not http(s)', (r) => (r.reported_accounts[0].profile_url = 'javascript:alert(1)'), '/reported_accounts/0/profile_url'],
  ['label in upper case', (r) => (r.items[0].labels = ['Gallery']), '/items/0/labels/0'],
  ['empty hosting', (r) => (r.items[0].hosting = {}), '/items/0/hosting'],
]

t.test('each rule rejects a mutated baseline, naming the field', async (t) => {
  for (const [rule, mutate, pointer] of violations) {
    const report = baseline()
    mutate(report)
    const errors = errorsOf(report)
    t.ok(
      errors.some((e) => e.pointer === pointer),
      `${rule}: expected ${pointer} in ${JSON.stringify(errors.map((e) => e.pointer))}`,
    )
  }
})

t.test('errors carry readable messages', async (t) => {
  const report = baseline()
  report.extra = true
  delete report.incident.type
  report.items[1].url = 'data:text/plain,x'
  report.items[0].hashes[0].value = 'nope'
  report.reporter_country = 'UK'
  report.channel = 'fax'
  t.same(errorsOf(report), [
    { pointer: '/extra', message: 'is not allowed here (unknown property)' },
    {
      pointer: '/channel',
      message: 'must be one of: "web_form", "phone_operator", "platform_escalation", "trusted_flagger", "hotline_referral", "law_enforcement"',
    },
    { pointer: '/incident/type', message: 'is required' },
    { pointer: '/items/0/hashes/0/value', message: 'is not a valid value for this hash algorithm (see alg)' },
    { pointer: '/items/1/url', message: 'must be an absolute http or https URL (other schemes, such as data:, are rejected)' },
    { pointer: '/reporter_country', message: 'must be one of the allowed values (see the schema)' },
  ])
})

t.test('combinator failures say which rule failed', async (t) => {
  const report = baseline()
  report.items[1].locator = { type: 'username', value: '@someone' }
  report.items[0].hosting.ip = '10.0.0'
  report.reporter.contact = { name: 'Alex' }
  const messages = Object.fromEntries(errorsOf(report).map((e) => [e.pointer, e.message]))
  t.equal(messages['/items/1'], 'must have exactly one of url and locator')
  t.equal(messages['/items/0/hosting/ip'], 'must be an IPv4 or IPv6 address')
  t.equal(messages['/reporter/contact'], 'must include an email or a phone when consent_to_contact is true')
})

const hashFor = (alg: string, value: string) => (r: Json) => (r.items[0].hashes = [{ alg, value }])
const tmk = `VE1LMUZWRUNQRFFG${'AAAA'.repeat(40)}AA==`
const vpdq = `${hex(64)},100,0.000;${'f'.repeat(64)},0,12.5;${hex(64)},57,3600`

/** [case, mutation that must keep the report valid] */
const accepted: Array<[string, (r: Json) => void]> = [
  ['sha1 hash', hashFor('sha1', hex(40))],
  ['photodna hash (144 bytes, base64)', hashFor('photodna', 'QUFB'.repeat(48))],
  ['tmk_pdqf hash (base64 .tmk file)', hashFor('tmk_pdqf', tmk)],
  ['vpdq hash (three frames)', hashFor('vpdq', vpdq)],
  ['IPv6 hosting address', (r) => (r.items[0].hosting.ip = '2001:db8::1')],
  ['IDN URL', (r) => (r.items[1].url = 'https://bücher.example/straße?q=ä')],
  ['upper-case scheme', (r) => (r.items[1].url = 'HTTPS://EXAMPLE.ORG/A')],
  ['v3 onion locator with path', (r) => (r.items[1] = { locator: { type: 'onion', value: `${'a'.repeat(56)}.onion/board/1` } })],
  ['ipfs locator', (r) => (r.items[1] = { locator: { type: 'ipfs', value: `ipfs://b${'a'.repeat(58)}` } })],
  ['app_id locator', (r) => (r.items[1] = { locator: { type: 'app_id', value: 'com.example.chat' } })],
  ['anonymous reporter without contact', (r) => (r.reporter = { anonymous: true, consent_to_contact: false })],
  ['consent to contact by phone only', (r) => (r.reporter.contact = { phone: '+31201234567' })],
  ['a name only, without consent to contact', (r) => (r.reporter = { anonymous: false, contact: { name: 'Alex' } })],
  ['no urgency at all', (r) => delete r.urgency],
  ['urgency without imminent danger', (r) => (r.urgency = { imminent_danger: false })],
  ['1000 items', (r) => (r.items = Array.from({ length: 1000 }, (_, i) => anItem(i)))],
  ['5000-character description', (r) => (r.incident.description = prose(5000))],
  ['500-character external_id', (r) => (r.source.external_id = 'A-_9'.repeat(125))],
  ['long URL with a slug path in prose', (r) => (r.incident.description = `found at https://example.org/${'gallery-2024/album_'.repeat(30)}?page=2`)],
  ['300 hex digits of hashes separated by spaces', (r) => (r.incident.description = `hashes: ${(hex(64) + ' ').repeat(5)}`)],
  ['language with script and region', (r) => (r.language = 'zh-Hant-TW')],
  ['article 16 notice with statement and explanation', (r) => (r.source.source_type = 'article_16')],
]

t.test('valid variants pass', async (t) => {
  for (const [name, mutate] of accepted) {
    const report = baseline()
    mutate(report)
    t.same(errorsOf(report), [], name)
  }
})

t.test('a hostile report cannot make the error list unbounded', async (t) => {
  const report = baseline()
  report.items = Array.from({ length: 1000 }, () => ({ url: 'data:,x', content_type: 'photo', extra: 1 }))
  const errors = errorsOf(report)
  t.equal(errors.length, MAX_FIELD_ERRORS)
})

t.test('the validator factory can be called again on the same Ajv instance', async (t) => {
  const ajv = serverLikeAjv()
  const first = createReportValidator(ajv)
  const second = createReportValidator(ajv)
  const report: CanonicalReport = fixtureJson('report-anonymous.json')
  t.equal(first(report).ok, true)
  t.equal(second(report).ok, true)
})
