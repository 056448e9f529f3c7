import type { Ajv2020 } from 'ajv/dist/2020.js'

/**
 * Every string the contract accepts must be text PostgreSQL can store and RFC 8785 can canonicalise:
 * no NUL (U+0000; PostgreSQL refuses it in text and jsonb) and no unpaired UTF-16 surrogate (not
 * Unicode at all). JSON Schema cannot say "every string" once, so each string schema gets this
 * keyword when it is compiled; hand-written schemas stay as they are.
 */
export const WELL_FORMED_TEXT = 'x-well-formed-text'

export const WELL_FORMED_TEXT_MESSAGE = 'must be well-formed Unicode text (no NUL character, no unpaired surrogate)'

// a surrogate not followed / preceded by its other half; with the `u` flag V8 reads a pair as one code point
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const FAULT = /\u0000|[\ud800-\udfff]/u

function isWellFormedText(value: string): boolean {
  return !FAULT.test(value)
}

/** Registers the keyword on `ajv` (once; several callers share one instance). */
export function addWellFormedTextKeyword(ajv: Ajv2020): void {
  if (ajv.getKeyword(WELL_FORMED_TEXT)) return
  ajv.addKeyword({
    keyword: WELL_FORMED_TEXT,
    type: 'string',
    schemaType: 'boolean',
    validate: (on: boolean, data: string) => !on || isWellFormedText(data),
  })
}

/** Keywords whose value is one schema, a list of schemas, or a map of name -> schema. */
const ONE = ['items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems']
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']

/**
 * A copy of `schema` in which every string schema requires well-formed text. A string that declares
 * a `contentMediaType` (an XML document) is a container: its mapper checks the fields it reads out.
 */
export function withWellFormedText<T>(schema: T): T {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema
  // the same schema gives the same copy, so ajv's compile cache still recognises it (HEAD and GET share one)
  let copy = copies.get(schema)
  if (!copy) copies.set(schema, (copy = copied(schema as Record<string, unknown>)))
  return copy as T
}

const copies = new WeakMap<object, unknown>()

function copied(source: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...source }
  for (const key of ONE) if (key in source) copy[key] = withWellFormedText(source[key])
  for (const key of LIST) if (Array.isArray(source[key])) copy[key] = (source[key] as unknown[]).map(withWellFormedText)
  for (const key of MAP) {
    const map = source[key]
    if (map && typeof map === 'object') copy[key] = Object.fromEntries(Object.entries(map).map(([name, s]) => [name, withWellFormedText(s)]))
  }
  const types = Array.isArray(source.type) ? source.type : [source.type]
  if (types.includes('string') && source.contentMediaType === undefined) copy[WELL_FORMED_TEXT] = true
  return copy
}
