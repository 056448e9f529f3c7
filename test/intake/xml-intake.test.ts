import t from 'tap'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { fixtureText } from './helpers.ts'

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

const DESCRIPTION = 'Seen at the café Müller’s forum; “new pics” offered for €'
const LATIN1_DESCRIPTION = 'Seen at the café Müller forum; «new pics» offered for £'

/** The CyberTipline fixture with `declaration` (none if empty) and a description beyond ASCII. */
function document(declaration: string, description = LATIN1_DESCRIPTION): string {
  const xml = fixtureText('cybertipline-report.xml')
    .replace('<?xml version="1.0" encoding="UTF-8"?>\n', declaration === '' ? '' : `${declaration}\n`)
    .replace(/<additionalInfo>Detected by hash[^<]*<\/additionalInfo>/, `<additionalInfo>${description}</additionalInfo>`)
  if (!xml.includes(description)) throw new Error('the fixture changed: the description was not replaced')
  return xml
}

const declared = (encoding: string) => `<?xml version="1.0" encoding="${encoding}"?>`
const bom = (hex: string, body: Buffer) => Buffer.concat([Buffer.from(hex, 'hex'), body])
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16()
/** Windows-1252: Latin-1, plus the typographic characters in 0x80-0x9F. */
const windows1252 = (text: string) =>
  Buffer.from(
    text.replace(/[’“”€]/g, (c) => String.fromCharCode({ '’': 0x92, '“': 0x93, '”': 0x94, '€': 0x80 }[c]!)),
    'latin1',
  )

t.test('XML is read in the encoding its sender declared, and stored with the right characters', async (t) => {
  const ctx = await buildTestApp(t)
  const cases: Array<[string, Buffer, string, string?]> = [
    ['UTF-8, declared', Buffer.from(document(declared('UTF-8'), DESCRIPTION)), DESCRIPTION],
    ['UTF-8, nothing declared', Buffer.from(document('', DESCRIPTION)), DESCRIPTION],
    ['UTF-8 with a byte order mark', bom('efbbbf', Buffer.from(document(declared('utf-8'), DESCRIPTION))), DESCRIPTION],
    ['ISO-8859-1, declared', Buffer.from(document(declared('ISO-8859-1')), 'latin1'), LATIN1_DESCRIPTION],
    ['ISO-8859-1 by the Content-Type charset', Buffer.from(document(''), 'latin1'), LATIN1_DESCRIPTION, 'application/xml; charset=iso-8859-1'],
    ['Windows-1252, declared', windows1252(document(declared('windows-1252'), DESCRIPTION)), DESCRIPTION],
    ['UTF-16LE with a byte order mark', bom('fffe', Buffer.from(document(declared('UTF-16'), DESCRIPTION), 'utf16le')), DESCRIPTION],
    ['UTF-16BE with a byte order mark', bom('feff', utf16be(document(declared('UTF-16'), DESCRIPTION))), DESCRIPTION],
    ['UTF-16BE with a byte order mark, nothing declared', bom('feff', utf16be(document('', DESCRIPTION))), DESCRIPTION],
  ]
  for (const [name, bytes, description, contentType] of cases) {
    const res = await submitXml(ctx, bytes, contentType)
    t.equal(res.statusCode, 202, `${name}: ${res.body.slice(0, 300)}`)
    if (res.statusCode !== 202) continue
    const status = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${res.json().id}`, headers: await ctx.auth('exampletube') })
    t.equal(status.statusCode, 200, name)
    const {
      rows: [row],
    } = await ctx.database.pool.query('SELECT canonical FROM reports WHERE id = $1', [res.json().id])
    t.equal(row.canonical.incident.description, description, `${name}: the description`)
  }
})

t.test('an encoding that is not accepted, contradicted or not matched by the bytes is refused, naming it', async (t) => {
  const ctx = await buildTestApp(t)
  const cases: Array<[string, Buffer, number, RegExp, string?]> = [
    ['EBCDIC declared', Buffer.from(document(declared('EBCDIC-CP-US'))), 415, /EBCDIC-CP-US is not accepted/],
    ['Shift_JIS declared', Buffer.from(document(declared('Shift_JIS'))), 415, /Shift_JIS is not accepted/],
    ['an unknown charset', Buffer.from(document('')), 415, /x-mac-roman is not accepted/, 'application/xml; charset=x-mac-roman'],
    ['Latin-1 bytes, nothing declared', Buffer.from(document(''), 'latin1'), 400, /not valid UTF-8/],
    ['Latin-1 bytes declared UTF-8', Buffer.from(document(declared('UTF-8')), 'latin1'), 400, /not valid UTF-8/],
    ['UTF-16 without a byte order mark', Buffer.from(document(declared('UTF-16')), 'utf16le'), 415, /UTF-16LE without a byte order mark/],
    ['UTF-16 declared in single-byte text', Buffer.from(document(declared('UTF-16'))), 400, /no UTF-16 byte order mark/],
    [
      'a declaration contradicting the byte order mark',
      bom('fffe', Buffer.from(document(declared('ISO-8859-1')), 'utf16le')),
      400,
      /the encoding declaration says ISO-8859-1, but the byte order mark says UTF-16LE/,
    ],
    [
      'a UTF-8 byte order mark declared Latin-1',
      bom('efbbbf', Buffer.from(document(declared('ISO-8859-1')))),
      400,
      /the encoding declaration says ISO-8859-1, but the byte order mark says UTF-8/,
    ],
    [
      'a charset contradicting the declaration',
      Buffer.from(document(declared('ISO-8859-1')), 'latin1'),
      400,
      /the encoding declaration says ISO-8859-1, but the Content-Type charset says UTF-8/,
      'application/xml; charset=utf-8',
    ],
    [
      'a byte Windows-1252 leaves undefined',
      Buffer.from(document(declared('ISO-8859-1'), 'x\u0081y'), 'latin1'),
      400,
      /byte 0x81 at offset \d+ is not a Windows-1252 character/,
    ],
    [
      'US-ASCII declared, with Latin-1 bytes',
      Buffer.from(document(declared('US-ASCII')), 'latin1'),
      400,
      /declared US-ASCII but holds bytes beyond it/,
    ],
  ]
  for (const [name, bytes, status, detail, contentType] of cases) {
    const res = await submitXml(ctx, bytes, contentType)
    t.equal(res.statusCode, status, `${name}: ${res.body.slice(0, 300)}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/, name)
    t.match(res.json(), { code: status === 415 ? 'HG_UNSUPPORTED_MEDIA_TYPE' : 'HG_MALFORMED_BODY', detail }, name)
    t.match(res.json().errors, [{ in: /x-mac-roman/.test(contentType ?? '') ? 'header' : 'body', message: detail }], `${name}: names where`)
  }
  t.equal(await storedReports(ctx), 0, 'nothing stored, no mojibake')
})
