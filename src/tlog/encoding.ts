// Small, strict text/byte helpers shared by the audit-log crypto modules.
// Node's Buffer.from(s, 'base64') is lenient (it skips invalid characters, accepts
// missing padding and the URL alphabet), so anything parsed from the wire goes through
// decodeBase64Std instead.

import { isUtf8 } from 'node:buffer'

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/

/** Decimal without sign or leading zeros ("0" allowed). */
export const DECIMAL = /^(?:0|[1-9][0-9]*)$/

/**
 * Decodes standard (RFC 4648 §4) padded base64, the way Go's base64.StdEncoding does:
 * the alphabet and padding are enforced; unused low bits of the last quantum are not.
 * Returns null for anything else.
 */
export function decodeBase64Std(s: string): Buffer | null {
  if (!STD_BASE64.test(s)) return null
  return Buffer.from(s, 'base64')
}

export function encodeBase64Std(b: Uint8Array): string {
  return asBuffer(b).toString('base64')
}

/** A Buffer view of the same bytes (no copy). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/** True if the bytes are valid UTF-8 with no ASCII control characters other than newline. */
export function isNoteBytes(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    if (c < 0x20 && c !== 0x0a) return false
  }
  return isUtf8(b)
}

/** Well-formed UTF-16 (no lone surrogates), i.e. it encodes to UTF-8 without replacement. */
export function isWellFormedString(s: string): boolean {
  return !LONE_SURROGATE.test(s)
}

/** The isNoteBytes rule for a JS string. */
export function isNoteString(s: string): boolean {
  return isWellFormedString(s) && !CONTROL_EXCEPT_NEWLINE.test(s)
}

/** Go's strings.Cut without the found flag: split at the first sep; without sep, all is `before`. */
export function chop(s: string, sep: string): [before: string, after: string] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)]
}
