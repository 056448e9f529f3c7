import { GatewayError } from '../errors/gateway-error.ts'

/**
 * The little of RFC 8941 Structured Field Values that HTTP Message Signatures (RFC 9421) and
 * Content-Digest (RFC 9530) need: dictionaries whose members are inner lists of strings or byte
 * sequences, with parameters that are integers, strings, tokens, booleans or byte sequences.
 */

type BareItem = string | number | boolean | Buffer
export type Parameters = Array<[string, BareItem]>
export interface Member {
  /** An inner list's items (strings), or undefined for a single item. */
  list?: string[]
  item?: BareItem
  params: Parameters
}

export class StructuredFieldError extends GatewayError<'STRUCTURED_FIELD_INVALID'> {
  constructor(message: string) {
    super('STRUCTURED_FIELD_INVALID', message)
  }
}

/** Parses a dictionary field value; throws StructuredFieldError on anything it cannot read. */
export function parseDictionary(text: string): Map<string, Member> {
  const input = { text, at: 0 }
  const members = new Map<string, Member>()
  skip(input, ' ')
  while (input.at < text.length) {
    const key = parseKey(input)
    let member: Member
    if (text[input.at] === '=') {
      input.at++
      member = text[input.at] === '(' ? parseInnerList(input) : { item: parseBareItem(input), params: parseParams(input) }
    } else member = { item: true, params: parseParams(input) }
    members.set(key, member)
    skip(input, ' \t')
    if (input.at >= text.length) break
    if (text[input.at] !== ',') throw fail(input, 'a comma')
    input.at++
    skip(input, ' \t')
    if (input.at >= text.length) throw fail(input, 'a member after the comma')
  }
  return members
}

/** Serializes an inner list of strings with its parameters, as RFC 9421 signs `@signature-params`. */
export function serializeInnerList(items: readonly string[], params: Parameters): string {
  return `(${items.map(serializeString).join(' ')})${serializeParams(params)}`
}

function serializeParams(params: Parameters): string {
  return params.map(([key, value]) => (value === true ? `;${key}` : `;${key}=${serializeBareItem(value)}`)).join('')
}

function serializeBareItem(value: BareItem): string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > 999_999_999_999_999) throw new StructuredFieldError(`${value} is not an sf-integer`)
    return String(value)
  }
  if (typeof value === 'boolean') return value ? '?1' : '?0'
  if (Buffer.isBuffer(value)) return `:${value.toString('base64')}:`
  return serializeString(value)
}

function serializeString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new StructuredFieldError('an sf-string holds printable ASCII only')
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

interface Input {
  text: string
  at: number
}

function parseInnerList(input: Input): Member {
  input.at++ // (
  const list: string[] = []
  for (;;) {
    skip(input, ' ')
    if (input.text[input.at] === ')') {
      input.at++
      return { list, params: parseParams(input) }
    }
    const item = parseBareItem(input)
    if (typeof item !== 'string') throw fail(input, 'a string in the inner list')
    list.push(item)
    parseParams(input) // item parameters (e.g. ;sf, ;key) are not used by the gateway's signatures
    const next = input.text[input.at]
    if (next !== ' ' && next !== ')') throw fail(input, 'a space or )')
  }
}

function parseParams(input: Input): Parameters {
  const params: Parameters = []
  while (input.text[input.at] === ';') {
    input.at++
    skip(input, ' ')
    const key = parseKey(input)
    let value: BareItem = true
    if (input.text[input.at] === '=') {
      input.at++
      value = parseBareItem(input)
    }
    params.push([key, value])
  }
  return params
}

function parseBareItem(input: Input): BareItem {
  const { text } = input
  const c = text[input.at] ?? ''
  if (c === '"') return parseString(input)
  if (c === ':') {
    const end = text.indexOf(':', input.at + 1)
    if (end < 0) throw fail(input, 'the end of a byte sequence')
    const b64 = text.slice(input.at + 1, end)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw fail(input, 'base64')
    input.at = end + 1
    return Buffer.from(b64, 'base64')
  }
  if (c === '?') {
    const value = text[input.at + 1]
    if (value !== '0' && value !== '1') throw fail(input, '?0 or ?1')
    input.at += 2
    return value === '1'
  }
  const integer = /^-?[0-9]{1,15}(?![0-9.])/.exec(text.slice(input.at))
  if (integer) {
    input.at += integer[0].length
    return Number(integer[0])
  }
  const token = /^[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*/.exec(text.slice(input.at))
  if (token) {
    input.at += token[0].length
    return token[0]
  }
  throw fail(input, 'an item')
}

function parseString(input: Input): string {
  let out = ''
  for (let i = input.at + 1; i < input.text.length; i++) {
    const c = input.text[i]!
    if (c === '\\') {
      const next = input.text[++i]
      if (next !== '"' && next !== '\\') throw fail(input, 'an escaped " or \\')
      out += next
    } else if (c === '"') {
      input.at = i + 1
      return out
    } else if (c < ' ' || c > '~') throw fail(input, 'printable ASCII')
    else out += c
  }
  throw fail(input, 'the end of a string')
}

function parseKey(input: Input): string {
  const key = /^[a-z*][a-z0-9_.*-]*/.exec(input.text.slice(input.at))
  if (!key) throw fail(input, 'a key')
  input.at += key[0].length
  return key[0]
}

function skip(input: Input, chars: string): void {
  while (input.at < input.text.length && chars.includes(input.text[input.at]!)) input.at++
}

function fail(input: Input, expected: string): StructuredFieldError {
  return new StructuredFieldError(`expected ${expected} at character ${input.at}`)
}
