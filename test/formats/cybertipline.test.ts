import t from 'tap'
import { parseCyberTiplineXml as parseWith, toCyberTiplineXml, type CyberTiplineParseOptions } from '../../src/formats/cybertipline.ts'
import { createReportValidator, validateReport, type CanonicalReport } from '../../src/intake/report.ts'
import { fixtureJson, fixtureText, formatErrorOf, REPORT_FIXTURES, serverLikeAjv } from '../intake/helpers.ts'

/** Reads with the standalone validator unless a test passes another (intake passes the server's). */
const parseCyberTiplineXml = (xml: string, opts: Partial<CyberTiplineParseOptions> = {}) => parseWith(xml, { validator: validateReport, ...opts })

const XML = fixtureText('cybertipline-report.xml')

/** A minimal valid report with `inner` spliced in after the first webPageIncident. */
const minimal = (inner = '', summary = '<incidentType>Child Sex Trafficking</incidentType>') =>
  `<report><incidentSummary>${summary}</incidentSummary>` +
  '<internetDetails><webPageIncident><url>https://example.org/ad/1</url></webPageIncident></internetDetails>' +
  `${inner}</report>`

t.test('a realistic CyberTipline report maps to the expected canonical report', async (t) => {
  const report = parseCyberTiplineXml(XML)
  t.strictSame(report, fixtureJson('cybertipline-report.expected.json'))
  t.equal(validateReport(report).ok, true, 'and it is a valid canonical report')
})

t.test('canonical -> XML -> canonical is stable', async (t) => {
  const first = parseCyberTiplineXml(XML)
  const xml = toCyberTiplineXml(first)
  const second = parseCyberTiplineXml(xml)
  t.strictSame(second, first, 'reading back what we wrote gives the same report')
  t.equal(toCyberTiplineXml(second), xml, 'and writing it again gives the same XML')
})

t.test('every canonical fixture survives the trip with what the format can carry', async (t) => {
  for (const name of REPORT_FIXTURES) {
    const original: CanonicalReport = fixtureJson(name)
    const once = parseCyberTiplineXml(toCyberTiplineXml(original))
    const twice = parseCyberTiplineXml(toCyberTiplineXml(once))
    t.strictSame(twice, once, `${name}: fixpoint after one trip`)
    t.equal(once.incident.type, original.incident.type, `${name}: incident type`)
    t.same(once.urgency, original.urgency?.imminent_danger ? original.urgency : undefined, `${name}: urgency`)
    t.same(once.incident.annotations ?? [], [...(original.incident.annotations ?? [])].sort(byAnnotationOrder(once)), `${name}: annotations`)
    const urls = (r: CanonicalReport) => r.items.flatMap((i) => (i.url === undefined ? [] : [i.url]))
    t.same(urls(once), urls(original), `${name}: URLs`)
    const hashes = (r: CanonicalReport) => r.items.flatMap((i) => i.hashes ?? [])
    t.same(hashes(once), hashes(original), `${name}: hashes`)
    t.equal(once.reporter.anonymous, original.reporter.anonymous, `${name}: anonymity`)
  }
})

function byAnnotationOrder(report: CanonicalReport) {
  const order = report.incident.annotations ?? []
  return (a: string, b: string) => order.indexOf(a as never) - order.indexOf(b as never)
}

t.test('urgency, an anonymous reporter and a phone number are mapped', async (t) => {
  const report = parseCyberTiplineXml(
    minimal(
      '<reporter><reportingPerson><phone countryCallingCode="+44">(0)1632 960 123</phone></reportingPerson></reporter>',
      '<incidentType>Online Enticement of Children for Sexual Acts</incidentType>' +
        '<escalateToHighPriority>Meeting arranged for tonight</escalateToHighPriority>',
    ),
  )
  t.same(report.urgency, { imminent_danger: true, reason: 'Meeting arranged for tonight' })
  t.same(report.reporter, { anonymous: false, contact: { phone: '+441632960123' } })
  const anonymous = parseCyberTiplineXml(minimal('<reporter><reportingPerson/></reporter>'))
  t.same(anonymous.reporter, { anonymous: true })
})

t.test('parse options set channel, source and external id', async (t) => {
  const report = parseCyberTiplineXml(minimal(), {
    channel: 'hotline_referral',
    sourceType: 'hotline',
    externalId: 'ICCAM-77',
    validator: createReportValidator(serverLikeAjv()),
  })
  t.equal(report.channel, 'hotline_referral')
  t.same(report.source, { source_type: 'hotline', external_id: 'ICCAM-77' })
})

t.test('older and current labels, CDATA and character references', async (t) => {
  const legacy = parseCyberTiplineXml(minimal('', '<incidentType>Child Sexual Molestation (not by family member)</incidentType>'))
  t.equal(legacy.incident.type, 'child_sexual_molestation')
  const cdata = parseCyberTiplineXml(minimal('<additionalInfo><![CDATA[raw &amp; <kept>]]></additionalInfo>'))
  t.equal(cdata.incident.description, 'raw &amp; <kept>', 'CDATA is literal')
  const refs = parseCyberTiplineXml(minimal('<additionalInfo>a &lt;b&gt; &#x263A;</additionalInfo>'))
  t.equal(refs.incident.description, 'a <b> \u263A')
})

/** [problem, document, code, XML path that must be named] */
const INVALID: Array<[string, string, string, string]> = [
  ['root element is not report', '<fileDetails/>', 'FORMAT_INVALID', '/fileDetails'],
  ['incidentSummary missing', '<report/>', 'FORMAT_INVALID', '/report/incidentSummary'],
  ['incidentType missing', minimal('', '<platform>x</platform>'), 'FORMAT_INVALID', '/report/incidentSummary/incidentType'],
  ['unknown incident type', minimal('', '<incidentType>CSAM</incidentType>'), 'FORMAT_INVALID', '/report/incidentSummary/incidentType'],
  [
    'misspelt element (an escalation must never be lost silently)',
    minimal('', '<incidentType>Child Sex Tourism</incidentType><escalateToHighPriorty>now</escalateToHighPriorty>'),
    'FORMAT_INVALID',
    '/report/incidentSummary/escalateToHighPriorty',
  ],
  [
    'unknown report annotation',
    minimal('', '<incidentType>Child Sex Tourism</incidentType><reportAnnotations><viral/></reportAnnotations>'),
    'FORMAT_INVALID',
    '/report/incidentSummary/reportAnnotations/viral',
  ],
  [
    'incidentType twice',
    minimal('', '<incidentType>Child Sex Tourism</incidentType><incidentType>Child Sex Tourism</incidentType>'),
    'FORMAT_INVALID',
    '/report/incidentSummary/incidentType[2]',
  ],
  ['text where elements belong', minimal('stray text'), 'FORMAT_INVALID', '/report'],
  ['undefined entity', minimal('<additionalInfo>&nbsp;</additionalInfo>'), 'FORMAT_INVALID', '/report/additionalInfo'],
  [
    'unsupported hash type',
    minimal(
      '<fileDetails><locationOfFile>https://example.org/ad/1</locationOfFile><originalFileHash hashType="CRC32">abcd</originalFileHash></fileDetails>',
    ),
    'FORMAT_INVALID',
    '/report/fileDetails[1]/originalFileHash[1]/@hashType',
  ],
  [
    'hash without hashType',
    minimal('<fileDetails><locationOfFile>https://example.org/ad/1</locationOfFile><originalFileHash>abcd</originalFileHash></fileDetails>'),
    'FORMAT_INVALID',
    '/report/fileDetails[1]/originalFileHash[1]/@hashType',
  ],
  [
    'file details without a location',
    minimal('<fileDetails><originalFileHash hashType="MD5">0123456789abcdef0123456789abcdef</originalFileHash></fileDetails>'),
    'FORMAT_INVALID',
    '/report/fileDetails[1]/locationOfFile',
  ],
  [
    'prior report id that is not a number',
    minimal('<personOrUserReported><priorCTReports>abc</priorCTReports></personOrUserReported>'),
    'FORMAT_INVALID',
    '/report/personOrUserReported/priorCTReports[1]',
  ],
  [
    'bad md5 length',
    minimal(
      '<fileDetails><locationOfFile>https://example.org/ad/1</locationOfFile><originalFileHash hashType="MD5">0123</originalFileHash></fileDetails>',
    ),
    'FORMAT_SCHEMA_VIOLATION',
    '/report/fileDetails[1]/originalFileHash[1]',
  ],
  [
    'data: URL',
    minimal('<internetDetails><webPageIncident><url>data:image/png;base64,iVBORw0KGgo=</url></webPageIncident></internetDetails>'),
    'FORMAT_SCHEMA_VIOLATION',
    '/report/internetDetails[2]/webPageIncident/url[1]',
  ],
  [
    'no location at all',
    '<report><incidentSummary><incidentType>Child Sex Tourism</incidentType></incidentSummary></report>',
    'FORMAT_SCHEMA_VIOLATION',
    '/report',
  ],
  [
    'bad reporter email',
    minimal('<reporter><reportingPerson><email>not-an-address</email></reportingPerson></reporter>'),
    'FORMAT_SCHEMA_VIOLATION',
    '/report/reporter/reportingPerson/email[1]',
  ],
  [
    'bad incident date',
    minimal('', '<incidentType>Child Sex Tourism</incidentType><incidentDateTime>yesterday</incidentDateTime>'),
    'FORMAT_SCHEMA_VIOLATION',
    '/report/incidentSummary/incidentDateTime',
  ],
  [
    'reporter country "UK"',
    minimal('<reporter><reportingPerson><address><country>UK</country></address></reportingPerson></reporter>'),
    'FORMAT_SCHEMA_VIOLATION',
    '/report/reporter/reportingPerson/address[1]/country',
  ],
]

t.test('vocabulary and schema errors name the offending XML path', async (t) => {
  for (const [problem, xml, code, path] of INVALID) {
    const error = formatErrorOf(() => parseCyberTiplineXml(xml))
    t.equal(error.code, code, `${problem}: code`)
    t.ok(
      error.errors.some((e) => e.pointer === path),
      `${problem}: expected ${path} in ${JSON.stringify(error.errors.map((e) => e.pointer))}`,
    )
  }
})

t.test('schema errors also name the canonical field', async (t) => {
  const error = formatErrorOf(() => parseCyberTiplineXml(minimal('<reporter><reportingPerson><email>nope</email></reportingPerson></reporter>')))
  t.match(error.errors, [{ pointer: '/report/reporter/reportingPerson/email[1]', message: /canonical field \/reporter\/contact\/email/ }])
})

t.test('unsafe XML is rejected by the CyberTipline parser too', async (t) => {
  const xxe = '<!DOCTYPE report [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><report><additionalInfo>&xxe;</additionalInfo></report>'
  t.equal(formatErrorOf(() => parseCyberTiplineXml(xxe)).code, 'XML_DECLARATION_FORBIDDEN')
  t.equal(formatErrorOf(() => parseCyberTiplineXml(XML, { limits: { maxLength: 1000 } })).code, 'XML_TOO_LARGE')
  t.equal(formatErrorOf(() => parseCyberTiplineXml(XML, { limits: { maxDepth: 3 } })).code, 'XML_TOO_DEEP')
})

t.test('the writer escapes markup and drops characters XML cannot carry', async (t) => {
  const report: CanonicalReport = fixtureJson('report-phone-operator.json')
  report.incident.description = 'a <b> & "c" \u0001 \uD800 end'
  const xml = toCyberTiplineXml(report)
  t.match(xml, '<additionalInfo>a &lt;b&gt; &amp; &quot;c&quot; \uFFFD \uFFFD end</additionalInfo>')
  t.equal(parseCyberTiplineXml(xml).incident.description, 'a <b> & "c" \uFFFD \uFFFD end')
})

t.test('the writer follows the CyberTipline element order and names', async (t) => {
  const xml = toCyberTiplineXml(fixtureJson('report-imminent-danger.json'))
  const order = ['incidentSummary', 'internetDetails', 'reporter', 'personOrUserReported', 'victim', 'additionalInfo', 'fileDetails']
  // the report-level additionalInfo is the last one (webPageIncidents carry their own)
  const positions = order.map((name) => (name === 'additionalInfo' ? xml.lastIndexOf(`<${name}>`) : xml.indexOf(`<${name}>`)))
  t.notOk(positions.includes(-1), 'every section is written')
  t.same(
    positions,
    [...positions].sort((a, b) => a - b),
    'top-level sequence of the XSD',
  )
  t.match(xml, '<incidentType>Online Enticement of Children for Sexual Acts</incidentType>')
  t.match(xml, '<escalateToHighPriority>The account set a deadline')
  t.match(xml, '<reportAnnotations><sextortion/><minorToMinorInteraction/></reportAnnotations>')
  t.match(xml, '<fileAnnotations><liveStreaming/></fileAnnotations>')
  t.notMatch(xml, 'night_owl_example</url>', 'a username locator is not written as a URL')
})
