import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { bounded } from '../http/problem-size.ts'
import { FormatError } from './format-error.ts'
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * Hostile-input XML parsing. XML is parsed only after it has been refused every feature that turns
 * a small document into a big or leaky one: DOCTYPE and the other markup declarations (XXE, billion
 * laughs) are rejected before the parser sees them, entity processing is off (we decode the five
 * predefined entities and character references ourselves), nesting and size are bounded, and the
 * parser refuses element names that would reach Object.prototype.
 */

export interface XmlLimits {
  /** Maximum document length in UTF-16 code units. */
  maxLength: number
  /** Maximum element nesting. */
  maxDepth: number
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxLength: 1_048_576, maxDepth: 32 }

/** The parsed content of an element: child name -> children, `@_name` -> attribute, `#text` / `#cdata`. */
export type XmlContent = Record<string, unknown>

export interface XmlDocument {
  rootName: string
  root: unknown
}

const parsers = new Map<number, XMLParser>()

function parserFor(maxDepth: number): XMLParser {
  let parser = parsers.get(maxDepth)
  if (parser === undefined) {
    parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      processEntities: false,
      htmlEntities: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      cdataPropName: '#cdata',
      maxNestedTags: maxDepth,
      // every element is a list, so "one" versus "many" is decided by the mapper, not by the input
      isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
    })
    parsers.set(maxDepth, parser)
  }
  return parser
}

// any "<!" that opens neither a comment nor CDATA is a markup declaration (DOCTYPE, ENTITY, ELEMENT, ...)
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)([A-Za-z]*)/

/** A parser's message can quote the input at length (a tag name, the stack of unclosed tags): cut it. */
const MAX_MESSAGE = 300

function fail(code: ConstructorParameters<typeof FormatError>[0], pointer: string, message: string): never {
  throw new FormatError(code, [{ pointer, message: bounded(message, MAX_MESSAGE) }])
}

export function parseXmlDocument(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlDocument {
  if (typeof xml !== 'string') fail('XML_MALFORMED', '/', 'the document must be a string')
  if (xml.length > limits.maxLength) fail('XML_TOO_LARGE', '/', `the document exceeds ${limits.maxLength} characters`)
  const declaration = MARKUP_DECLARATION.exec(xml)
  if (declaration !== null) {
    fail('XML_DECLARATION_FORBIDDEN', '/', `<!${declaration[1] ?? ''} declarations are not accepted (no DTDs, no entities)`)
  }
  // parsed before it is validated: the parser stops at the depth limit, where the validator would go
  // on to the end and describe every unclosed tag in a message as large as the document
  const parsed = parseBounded(xml, limits)
  const wellFormed = XMLValidator.validate(xml)
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err
    fail('XML_MALFORMED', '/', line === undefined || col === undefined ? msg : `${msg} (line ${line}, column ${col})`)
  }
  if (parsed instanceof Error) fail('XML_MALFORMED', '/', parsed.message)
  return singleRoot(parsed)
}

/** The parsed document; a parser error other than depth is returned, for the validator to explain first. */
function parseBounded(xml: string, limits: XmlLimits): XmlContent | Error {
  try {
    return parserFor(limits.maxDepth).parse(xml) as XmlContent
  } catch (error) {
    const message = (error as Error).message
    if (message.includes('nested tags')) fail('XML_TOO_DEEP', '/', `elements are nested deeper than ${limits.maxDepth}`)
    return error as Error
  }
}

function singleRoot(parsed: XmlContent): XmlDocument {
  const names = Object.keys(parsed)
  const rootName = names[0]
  const roots = rootName === undefined ? [] : (parsed[rootName] as unknown[])
  if (names.length !== 1 || roots.length !== 1) fail('XML_MALFORMED', '/', 'the document must have exactly one root element')
  return { rootName: rootName as string, root: roots[0] }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]*))?;?/g

export class XmlTextError extends GatewayError<'XML_TEXT_INVALID'> {
  constructor(message: string) {
    super('XML_TEXT_INVALID', message)
  }
}

/** Decodes the predefined entities and character references; anything else with "&" is not well-formed. */
export function decodeXmlText(raw: string): string {
  if (!raw.includes('&')) return raw
  return raw.replace(REFERENCE, (match, hex?: string, dec?: string, name?: string) => {
    if (!match.endsWith(';') || match === '&;') throw new XmlTextError('a bare "&" must be written &amp;')
    if (name !== undefined) {
      const char = PREDEFINED[name]
      if (char === undefined) throw new XmlTextError(`the entity &${name}; is not defined (no DTD entities are accepted)`)
      return char
    }
    return characterReference(Number.parseInt(hex ?? (dec as string), hex === undefined ? 10 : 16))
  })
}

function characterReference(code: number): string {
  // XML 1.0 Char production: no NUL, no C0 controls but tab/LF/CR, no surrogates, no U+FFFE/U+FFFF
  const allowed =
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  if (!allowed) throw new XmlTextError(`&#${code}; is not an XML character`)
  return String.fromCodePoint(code)
}
