import { createHash } from 'node:crypto'
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * RFC 8785 JSON Canonicalization Scheme. ECMAScript already defines the two hard parts the RFC
 * builds on: Number.prototype.toString is the required number serialisation, and JSON.stringify
 * on a string is the required string escaping. What is left is I-JSON hygiene (no NaN, Infinity,
 * lone surrogates or non-JSON values) and sorting keys by UTF-16 code units, which is what the
 * default Array.prototype.sort comparison does.
 */

export type JcsErrorCode = 'JCS_NON_FINITE_NUMBER' | 'JCS_UNSUPPORTED_TYPE' | 'JCS_LONE_SURROGATE' | 'JCS_CYCLE'

export class JcsError extends GatewayError<JcsErrorCode> {}

export function canonicalize(value: unknown): string {
  return serialize(value, { ancestors: new Set(), path: [] })
}

/** SHA-256 over the UTF-8 bytes of the canonical form: the digest to sign, chain or de-duplicate on. */
export function canonicalDigest(value: unknown): Buffer {
  return createHash('sha256').update(canonicalize(value), 'utf8').digest()
}

/** Walk state. The path is a stack joined only when an error needs it: the happy path allocates nothing for it. */
interface Walk {
  ancestors: Set<object>
  path: Array<string | number>
}

function where(walk: Walk): string {
  return `/${walk.path.join('/')}`
}

function serialize(value: unknown, walk: Walk): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, walk)
    case 'number':
      return serializeNumber(value, walk)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      return value === null ? 'null' : serializeObject(value, walk)
    default:
      // undefined, functions, symbols and bigints have no I-JSON form; JSON.stringify would drop or throw
      throw new JcsError('JCS_UNSUPPORTED_TYPE', `${typeof value} at ${where(walk)} cannot be canonicalized`)
  }
}

function serializeNumber(value: number, walk: Walk): string {
  if (!Number.isFinite(value)) throw new JcsError('JCS_NON_FINITE_NUMBER', `${value} at ${where(walk)} is not a JSON number`)
  // ES Number-to-String is RFC 8785's number format; -0 already prints as "0"
  return String(value)
}

/** String.prototype.isWellFormed (ES2024, in Node 20): native, unlike a lookbehind regex per string. */
const isWellFormed = (value: string): boolean => (value as string & { isWellFormed(): boolean }).isWellFormed()

function serializeString(value: string, walk: Walk): string {
  // I-JSON (RFC 7493) forbids lone surrogates: they have no UTF-8 form to hash
  if (!isWellFormed(value)) throw new JcsError('JCS_LONE_SURROGATE', `string at ${where(walk)} has a lone surrogate`)
  return JSON.stringify(value)
}

interface WithToJson {
  toJSON(key: string): unknown
}

function hasToJson(value: object): value is WithToJson {
  return typeof (value as Partial<WithToJson>).toJSON === 'function'
}

function serializeObject(value: object, walk: Walk): string {
  if (!hasToJson(value)) return serializeContainer(value, walk)
  // Dates and other toJSON-bearing values canonicalize as JSON.stringify presents them: toJSON is
  // applied once, its result is not asked again (so a toJSON returning `this` cannot loop)
  const replaced = value.toJSON(String(walk.path.at(-1) ?? ''))
  return typeof replaced === 'object' && replaced !== null ? serializeContainer(replaced, walk) : serialize(replaced, walk)
}

function serializeContainer(value: object, walk: Walk): string {
  if (walk.ancestors.has(value)) throw new JcsError('JCS_CYCLE', `cycle at ${where(walk)}`)
  walk.ancestors.add(value)
  const out = Array.isArray(value) ? serializeArray(value, walk) : serializeMembers(value as Record<string, unknown>, walk)
  walk.ancestors.delete(value)
  return out
}

function serializeArray(value: readonly unknown[], walk: Walk): string {
  let out = '['
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ','
    walk.path.push(i)
    out += serialize(value[i], walk)
    walk.path.pop()
  }
  return `${out}]`
}

function serializeMembers(value: Record<string, unknown>, walk: Walk): string {
  const keys = Object.keys(value).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (i > 0) out += ','
    walk.path.push(key)
    out += `${serializeString(key, walk)}:${serialize(value[key], walk)}`
    walk.path.pop()
  }
  return `${out}}`
}
