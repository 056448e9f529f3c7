import type { ErrorObject } from 'ajv/dist/2020.js'
import { WELL_FORMED_TEXT, WELL_FORMED_TEXT_MESSAGE } from './well-formed-text.ts'

/** One problem with an input, `pointer` naming the offending field (JSON Pointer, or an XML path for XML input). */
export interface FieldError {
  pointer: string
  message: string
}

/** A hostile 1000-item report can raise tens of thousands of errors; nobody reads past the first hundred. */
export const MAX_FIELD_ERRORS = 100

/**
 * ajv errors -> `{ pointer, message }` with the pointer naming the field at fault: the missing
 * property for `required`, the unknown one for `additionalProperties`. `if` errors are dropped:
 * each one only repeats a `then`/`else` error that already names the field.
 */
export function toFieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const error of errors ?? []) {
    if (error.keyword === 'if') continue
    const field = { pointer: pointerOf(error), message: messageOf(error) }
    const key = `${field.pointer}\u0000${field.message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(field)
    if (out.length === MAX_FIELD_ERRORS) break
  }
  return out
}

function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  const child = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty
  if (typeof child !== 'string') return error.instancePath
  return `${error.instancePath}/${child.replaceAll('~', '~0').replaceAll('/', '~1')}`
}

function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return 'is required'
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'is not allowed here (unknown property)'
    case 'false schema':
      return 'is not allowed here'
    case WELL_FORMED_TEXT:
      return WELL_FORMED_TEXT_MESSAGE
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`
    case 'enum':
      return enumMessage(params.allowedValues as unknown[])
    default:
      return hintFor(error) ?? error.message ?? 'is invalid'
  }
}

/** Raw patterns make poor messages; errors from these shared schemas say what the rule means instead. */
const SCHEMA_HINTS: ReadonlyArray<readonly [string, string]> = [
  ['defs/web-url.json/pattern', 'must be an absolute http or https URL (other schemes, such as data:, are rejected)'],
  ['defs/hash.json/allOf/', 'is not a valid value for this hash algorithm (see alg)'],
  ['defs/language-tag.json/pattern', 'must be a BCP 47 language tag such as "en" or "de-AT"'],
  ['defs/plain-text.json/not', 'must not contain a long base64 run (file content is never accepted)'],
]

/**
 * Combinators fail with "must match a schema in anyOf"; these say which rule it was. Matched by
 * keyword and data location, since ajv reports schema paths inside a file relative to the $ref target.
 */
const FIELD_HINTS: ReadonlyArray<readonly [string, RegExp, string]> = [
  ['oneOf', /^\/items\/\d+$/, 'must have exactly one of url and locator'],
  ['anyOf', /\/hosting\/ip$/, 'must be an IPv4 or IPv6 address'],
  ['format', /\/hosting\/ip$/, 'must be an IPv4 or IPv6 address'],
  ['anyOf', /^\/reporter\/contact$/, 'must include an email or a phone when consent_to_contact is true'],
]

function hintFor(error: ErrorObject): string | undefined {
  const field = FIELD_HINTS.find(([keyword, at]) => keyword === error.keyword && at.test(error.instancePath))
  return field?.[2] ?? SCHEMA_HINTS.find(([prefix]) => error.schemaPath.startsWith(prefix))?.[1]
}

function enumMessage(allowed: unknown[]): string {
  // the country list has 249 entries: name the rule instead of printing them all
  if (allowed.length > 20) return 'must be one of the allowed values (see the schema)'
  return `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
}
