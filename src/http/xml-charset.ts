import { problem, type FieldProblem } from './problems.ts'

/**
 * XML bytes to text, as the sender declared them (XML 1.0 §4.3.3 and Appendix F, RFC 7303 §3): by a
 * byte order mark, the Content-Type charset or the encoding declaration, UTF-8 when none is given.
 * Accepted: UTF-8, UTF-16 with a byte order mark, US-ASCII, and ISO-8859-1 / Windows-1252 (decoded
 * as Windows-1252, as browsers do). Any other encoding is refused naming it (415); statements that
 * contradict each other, and bytes that are not in the stated encoding, are refused too (400), so
 * that no report is ever stored as mojibake.
 */

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'us-ascii'

/** Lower-cased labels a sender may use; `utf-16` takes its byte order from the byte order mark. */
const LABELS: Record<string, Encoding | 'utf-16'> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16': 'utf-16',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'iso-8859-1': 'windows-1252',
  iso8859_1: 'windows-1252',
  'iso_8859-1': 'windows-1252',
  latin1: 'windows-1252',
  l1: 'windows-1252',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'us-ascii': 'us-ascii',
  ascii: 'us-ascii',
}

interface Statement {
  label: string
  /** Where the sender said it, for the message and the field error. */
  source: string
  where: FieldProblem
}

const refused = (status: 400 | 415, where: FieldProblem, message: string) =>
  problem(status === 415 ? 'HG_UNSUPPORTED_MEDIA_TYPE' : 'HG_MALFORMED_BODY', message, { errors: [{ ...where, message }] })

const HEADER: FieldProblem = { in: 'header', pointer: '/content-type', message: '' }
const BODY: FieldProblem = { in: 'body', pointer: '/', message: '' }

/** The document's text, without a byte order mark; a ProblemError when its encoding is refused. */
export function decodeXml(bytes: Buffer, contentType: string | undefined): string {
  const mark = byteOrderMark(bytes)
  const charset = charsetOf(contentType)
  const stated: Statement[] = charset === undefined ? [] : [{ label: charset, source: 'the Content-Type charset', where: HEADER }]
  const declaration = (text: string): Statement[] => {
    const label = declarationOf(text)
    return label === undefined ? [] : [{ label, source: 'the encoding declaration', where: BODY }]
  }
  if (mark === 'utf-16le' || mark === 'utf-16be') {
    const text = decode(bytes.subarray(2), mark)
    for (const statement of [...stated, ...declaration(text)]) agree(statement, mark, 'the byte order mark')
    return text
  }
  const body = mark ? bytes.subarray(3) : bytes
  // single-byte or UTF-8: the declaration is ASCII, readable before the encoding is known
  stated.push(...declaration(body.subarray(0, 512).toString('latin1')))
  const [first] = stated
  const encoding = mark ?? resolve(first) ?? 'utf-8'
  for (const statement of stated) agree(statement, encoding, mark ? 'the byte order mark' : first!.source)
  return decode(body, encoding)
}

function byteOrderMark(bytes: Buffer): Encoding | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8'
  if (bytes[0] === 0xff && bytes[1] === 0xfe && !(bytes[2] === 0 && bytes[3] === 0)) return 'utf-16le'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  const signature = bytes.subarray(0, 4).toString('hex')
  const other = UNACCEPTED_SIGNATURES[signature]
  if (other !== undefined) throw refused(415, BODY, `the document is in ${other}, which is not accepted (send UTF-8)`)
  return undefined
}

/** XML 1.0 Appendix F: how the first four bytes of a document in an encoding we refuse look. */
const UNACCEPTED_SIGNATURES: Record<string, string> = {
  '0000feff': 'UTF-32BE',
  fffe0000: 'UTF-32LE',
  '0000003c': 'UTF-32BE',
  '3c000000': 'UTF-32LE',
  '003c003f': 'UTF-16BE without a byte order mark',
  '3c003f00': 'UTF-16LE without a byte order mark',
  '4c6fa794': 'EBCDIC',
}

function resolve(statement: Statement | undefined): Encoding | undefined {
  if (statement === undefined) return undefined
  const encoding = LABELS[statement.label.toLowerCase()]
  if (encoding === undefined) {
    throw refused(
      415,
      statement.where,
      `the encoding ${statement.label} is not accepted (UTF-8, UTF-16 with a byte order mark, US-ASCII, ISO-8859-1 or Windows-1252)`,
    )
  }
  if (encoding === 'utf-16') throw refused(400, statement.where, `${statement.label} is stated, but the document has no UTF-16 byte order mark`)
  return encoding
}

/** Every statement must name the encoding the document is read in, as `by` says it is. */
function agree(statement: Statement, encoding: Encoding, by: string): void {
  const named = LABELS[statement.label.toLowerCase()]
  if (named === undefined) resolve(statement)
  const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be'
  if (named === encoding || (named === 'utf-16' && utf16)) return
  throw refused(400, statement.where, `${statement.source} says ${statement.label}, but ${by} says ${encoding.toUpperCase()}`)
}

function decode(bytes: Buffer, encoding: Encoding): string {
  if (encoding === 'us-ascii' && bytes.some((byte) => byte > 0x7f)) {
    throw refused(400, BODY, 'the document is declared US-ASCII but holds bytes beyond it')
  }
  if (encoding === 'windows-1252') return decodeWindows1252(bytes)
  try {
    return new TextDecoder(encoding === 'us-ascii' ? 'utf-8' : encoding, { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw refused(400, BODY, `the document is not valid ${encoding.toUpperCase()} (declare its encoding if it is another)`)
  }
}

/**
 * Windows-1252 (the WHATWG index): Latin-1 but for 0x80-0x9F. Decoded here because Node's
 * TextDecoder reads 'windows-1252' as plain Latin-1, C1 controls where the sender meant € or ’.
 * The five bytes Windows-1252 leaves undefined are refused.
 */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'

function decodeWindows1252(bytes: Buffer): string {
  const undefinedByte = bytes.findIndex((byte) => [0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(byte))
  if (undefinedByte >= 0) {
    throw refused(400, BODY, `byte 0x${bytes[undefinedByte]!.toString(16)} at offset ${undefinedByte} is not a Windows-1252 character`)
  }
  return bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!)
}

/** The encoding named by the XML declaration at the very start of `text`, if any. */
function declarationOf(text: string): string | undefined {
  if (!text.startsWith('<?xml')) return undefined
  const end = text.indexOf('?>')
  const declaration = text.slice(0, end < 0 ? 512 : end)
  return /\sencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/
    .exec(declaration)
    ?.slice(1)
    .find((label) => label !== undefined)
}

function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType ?? '')
  return match?.[1] ?? match?.[2]
}
