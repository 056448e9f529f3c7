import t from 'tap'
import { FormatError } from '../../src/formats/format-error.ts'
import { DEFAULT_XML_LIMITS, decodeXmlText, parseXmlDocument, type XmlLimits } from '../../src/formats/safe-xml.ts'

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<report><additionalInfo>&lol9;</additionalInfo></report>`

const nested = (depth: number) => `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`

/** [attack, document, FormatError code, limits] */
const HOSTILE: Array<[string, string, string, Partial<XmlLimits>?]> = [
  ['DOCTYPE', '<!DOCTYPE report><report/>', 'XML_DECLARATION_FORBIDDEN'],
  ['lower-case doctype', '<!doctype report><report/>', 'XML_DECLARATION_FORBIDDEN'],
  [
    'external entity (XXE)',
    '<?xml version="1.0"?><!DOCTYPE report [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><report>&xxe;</report>',
    'XML_DECLARATION_FORBIDDEN',
  ],
  ['billion laughs', BILLION_LAUGHS, 'XML_DECLARATION_FORBIDDEN'],
  ['ENTITY declaration outside a DOCTYPE', '<report><!ENTITY x "y"></report>', 'XML_DECLARATION_FORBIDDEN'],
  ['ELEMENT declaration', '<report><!ELEMENT report ANY></report>', 'XML_DECLARATION_FORBIDDEN'],
  ['nesting deeper than 32', nested(40), 'XML_TOO_DEEP'],
  ['nesting deeper than a configured limit', nested(5), 'XML_TOO_DEEP', { maxDepth: 3 }],
  ['document over the size limit', `<report>${'x'.repeat(200)}</report>`, 'XML_TOO_LARGE', { maxLength: 100 }],
  ['document over the default 1 MiB', `<report>${'x'.repeat(DEFAULT_XML_LIMITS.maxLength)}</report>`, 'XML_TOO_LARGE'],
  ['unclosed element', '<report><incidentSummary></report>', 'XML_MALFORMED'],
  ['unterminated document', '<report>', 'XML_MALFORMED'],
  ['not XML', 'incidentType=child', 'XML_MALFORMED'],
  ['empty document', '', 'XML_MALFORMED'],
  ['two root elements', '<report/><report/>', 'XML_MALFORMED'],
  ['repeated attribute', '<report a="1" a="2"/>', 'XML_MALFORMED'],
  ['bare ampersand', '<report>a & b</report>', 'XML_MALFORMED'],
  ['__proto__ element (prototype pollution)', '<report><__proto__><polluted>yes</polluted></__proto__></report>', 'XML_MALFORMED'],
  ['constructor element', '<report><constructor><prototype>x</prototype></constructor></report>', 'XML_MALFORMED'],
]

t.test('hostile documents are rejected before anything is expanded or allocated', async (t) => {
  for (const [attack, xml, code, limits] of HOSTILE) {
    t.throws(() => parseXmlDocument(xml, { ...DEFAULT_XML_LIMITS, ...limits }), { name: 'FormatError', code }, attack)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
})

t.test('rejections carry a pointer and a message', async (t) => {
  try {
    parseXmlDocument('<report><a></report>')
    t.fail('should throw')
  } catch (error) {
    t.ok(error instanceof FormatError)
    t.match((error as FormatError).errors, [{ pointer: '/', message: /closing tag/ }])
  }
})

t.test('a plain document parses with every element as a list', async (t) => {
  const doc = parseXmlDocument('<?xml version="1.0"?><!-- note --><report a="1"><x>one</x><x>two</x><e/></report>')
  t.equal(doc.rootName, 'report')
  t.same(doc.root, { x: ['one', 'two'], e: [''], '@_a': '1' })
})

t.test('text decoding knows the predefined entities and character references only', async (t) => {
  t.equal(decodeXmlText('a &lt;b&gt; &amp;amp; &quot;c&quot; &apos;d&apos;'), 'a <b> &amp; "c" \'d\'', 'decoded in one pass')
  t.equal(decodeXmlText('&#65;&#x42;&#x1F600;'), 'AB\u{1F600}')
  t.throws(() => decodeXmlText('&nbsp;'), { message: /not defined/ })
  t.throws(() => decodeXmlText('&#0;'), { message: /not an XML character/ })
  t.throws(() => decodeXmlText('&#xD800;'), { message: /not an XML character/ })
  t.throws(() => decodeXmlText('a &amp b'), { message: /bare "&"/ })
})
