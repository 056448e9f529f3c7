/**
 * Minimal XML writing for the formats we emit. Strings are concatenated (the documents are small
 * and flat); every text and attribute value goes through escapeXml.
 */

const SPECIAL = /[&<>"']/g
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
// characters XML 1.0 cannot carry at all, not even as references: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF
// eslint-disable-next-line no-control-regex -- finding the controls XML cannot carry is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Escapes markup characters; characters XML cannot represent become U+FFFD rather than an invalid document. */
function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(SPECIAL, (c) => ESCAPES[c] as string)
}

export type XmlAttributes = Record<string, string | undefined>

function attributes(attrs: XmlAttributes | undefined): string {
  let out = ''
  if (attrs !== undefined) for (const [name, value] of Object.entries(attrs)) if (value !== undefined) out += ` ${name}="${escapeXml(value)}"`
  return out
}

/** `<name>text</name>`, or nothing when the text is absent. */
export function textElement(name: string, text: string | undefined, attrs?: XmlAttributes): string {
  return text === undefined ? '' : `<${name}${attributes(attrs)}>${escapeXml(text)}</${name}>`
}

/** `<name>children</name>`; with no children, nothing, unless `keepEmpty` (an element whose presence means something). */
export function element(name: string, children: readonly string[], keepEmpty = false): string {
  const inner = children.join('')
  if (inner !== '') return `<${name}>${inner}</${name}>`
  return keepEmpty ? `<${name}/>` : ''
}

/** An empty element used as a flag, e.g. `<sextortion/>`. */
export function flagElement(name: string): string {
  return `<${name}/>`
}
