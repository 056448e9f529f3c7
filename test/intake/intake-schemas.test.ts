import { readFileSync } from 'node:fs'
import t from 'tap'
import { schemaValidator } from '../../src/http/schema-files.ts'
import {
  compileIntakeSchema,
  DSA_NOTICE_SCHEMA_ID,
  INTAKE_SCHEMA_FILES,
  REPORT_SCHEMA_ID,
  SCHEMA_BASE,
  sharedIntakeAjv,
} from '../../src/intake/intake-schemas.ts'

type Schema = Record<string, unknown>

const SCHEMAS = new URL('../../schemas/', import.meta.url)
const files = INTAKE_SCHEMA_FILES.map((path) => ({ path, schema: JSON.parse(readFileSync(new URL(path, SCHEMAS), 'utf8')) as Schema }))

/**
 * Schemas that declare data: the file roots and everything under properties, items and $defs.
 * Applicator branches (if/then/else/allOf/anyOf/oneOf/not) only refine what these declare.
 */
function* declared(schema: Schema, at: string): Generator<[string, Schema]> {
  yield [at, schema]
  for (const [name, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema | boolean>)) {
    if (typeof sub === 'object') yield* declared(sub, `${at}/properties/${name}`)
  }
  for (const [name, sub] of Object.entries((schema.$defs ?? {}) as Record<string, Schema>)) yield* declared(sub, `${at}/$defs/${name}`)
  if (typeof schema.items === 'object') yield* declared(schema.items as Schema, `${at}/items`)
}

const everyDeclared = files.flatMap(({ path, schema }) => [...declared(schema, path)])

t.test('every intake schema has the $id of its path and is JSON Schema 2020-12', async (t) => {
  for (const { path, schema } of files) {
    t.equal(schema.$id, SCHEMA_BASE + path, path)
    t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', path)
  }
})

t.test('both top-level schemas compile under the strict server configuration', async (t) => {
  const ajv = sharedIntakeAjv()
  t.type(ajv.getSchema(REPORT_SCHEMA_ID), 'function')
  t.type(ajv.getSchema(DSA_NOTICE_SCHEMA_ID), 'function')
})

t.test('intake compiles its schemas once, on the process’s one Ajv', async (t) => {
  const report = compileIntakeSchema(sharedIntakeAjv(), REPORT_SCHEMA_ID)
  t.equal(compileIntakeSchema(sharedIntakeAjv(), REPORT_SCHEMA_ID), report, 'asked again: the same function')
  t.equal(await schemaValidator('report.v1.json'), report, 'the one every other reader gets')
})

t.test('every string is bounded and every array has maxItems', async (t) => {
  for (const [at, schema] of everyDeclared) {
    // plain-text.json is a mixin: each use adds its own maxLength (checked below)
    if (at === 'defs/plain-text.json') continue
    // a $ref'd string is bounded by its target, itself checked here
    const bounded = ['maxLength', 'enum', 'const', '$ref'].some((k) => k in schema)
    if (schema.type === 'string') t.ok(bounded, `${at} has maxLength`)
    if (schema.type === 'array') t.ok('maxItems' in schema, `${at} has maxItems`)
  }
  const usesOfPlainText = everyDeclared.filter(([, s]) => typeof s.$ref === 'string' && s.$ref.endsWith('plain-text.json'))
  t.ok(usesOfPlainText.length >= 8, 'plain text is used for the free-text fields')
  for (const [at, schema] of usesOfPlainText) t.ok('maxLength' in schema, `${at} bounds its plain text`)
})

t.test('unknown properties are rejected everywhere', async (t) => {
  for (const [at, schema] of everyDeclared) {
    // unevaluatedProperties closes a schema that adds to another through allOf (dsa-notice $defs/submitted)
    if (schema.type === 'object') t.ok(schema.additionalProperties === false || schema.unevaluatedProperties === false, `${at} is closed`)
  }
})

t.test('every field is documented', async (t) => {
  for (const [at, schema] of everyDeclared) {
    if (!/\/properties\/[^/]+$/.test(at)) continue
    t.ok('title' in schema || 'description' in schema || '$ref' in schema, `${at} has a title or description`)
  }
})

t.test('countries are the 249 officially assigned ISO 3166-1 alpha-2 codes', async (t) => {
  const country = files.find((f) => f.path === 'defs/country.json')?.schema as Schema
  const codes = country.enum as string[]
  t.equal(codes.length, 249)
  t.equal(new Set(codes).size, 249)
  const names = new Intl.DisplayNames(['en'], { type: 'region' })
  t.same(
    codes.filter((code) => !/^[A-Z]{2}$/.test(code) || names.of(code) === code),
    [],
    'every code names a region',
  )
  for (const code of ['UK', 'EU', 'XK', 'ZZ', 'AN', 'YU']) t.notOk(codes.includes(code), `${code} is not assigned`)
})
