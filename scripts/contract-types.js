#!/usr/bin/env node
// Writes the TypeScript types of the contract into src/contract/*.v1.ts (and the environment's into
// src/contract/environment.ts) with json-schema-to-typescript, so that the code follows the schemas
// instead of restating them. `--check` (in `npm run lint`) fails when a schema changed and the
// committed types were not regenerated: `npm run contract:types` writes them.
// Run with tsx (the environment schema is a TypeScript module): node --import tsx scripts/contract-types.js
//
// The schemas are JSON Schema 2020-12; the generator reads draft-04 shapes. So each schema is first
// made self-contained: every $ref to another file is copied into `definitions` (named as below or
// inlined), and what TypeScript cannot say is left out (if/then/else, not, and oneOf/anyOf branches
// that only require fields or formats): those rules stay with Ajv, which checks every value before
// the code trusts it to have these types.
import { readFileSync, writeFileSync } from 'node:fs'
import { compile } from 'json-schema-to-typescript'
import prettier from 'prettier'

const ROOT = new URL('../', import.meta.url)
const SCHEMA_BASE = 'https://schemas.hotline-gateway.example/'

/** Named definitions become exported types; every other definition is written inline where used. */
const TARGETS = [
  {
    file: 'src/contract/report.v1.ts',
    source: 'schemas/report.v1.json',
    name: 'CanonicalReport',
    names: {
      'report.v1.json#/$defs/source': 'ReportSource',
      'report.v1.json#/$defs/reporter': 'Reporter',
      'report.v1.json#/$defs/contact': 'ReporterContact',
      'report.v1.json#/$defs/incident': 'Incident',
      'report.v1.json#/$defs/urgency': 'Urgency',
      'report.v1.json#/$defs/item': 'ReportItem',
      'report.v1.json#/$defs/locator': 'Locator',
      'report.v1.json#/$defs/hosting': 'Hosting',
      'report.v1.json#/$defs/classification': 'Classification',
      'report.v1.json#/$defs/reported_account': 'ReportedAccount',
      'defs/hash.json': 'ItemHash',
      'defs/incident-type.json': 'IncidentType',
      'defs/country.json': 'Country',
    },
  },
  {
    file: 'src/contract/routing-rules.v1.ts',
    source: 'schemas/routing-rules.v1.json',
    name: 'RuleSetDocument',
    names: {
      'routing-rules.v1.json#/$defs/rule': 'Rule',
      'routing-rules.v1.json#/$defs/fallback': 'Fallback',
      'routing-rules.v1.json#/$defs/condition': 'Condition',
      'routing-rules.v1.json#/$defs/all': 'AllCondition',
      'routing-rules.v1.json#/$defs/any': 'AnyCondition',
      'routing-rules.v1.json#/$defs/not': 'NotCondition',
      'routing-rules.v1.json#/$defs/equals': 'EqualsCondition',
      'routing-rules.v1.json#/$defs/in': 'InCondition',
      'routing-rules.v1.json#/$defs/exists': 'ExistsCondition',
      'routing-rules.v1.json#/$defs/contains': 'ContainsCondition',
      'routing-rules.v1.json#/$defs/value': 'Scalar',
      'routing-rules.v1.json#/$defs/fact': 'Fact',
      'routing-rules.v1.json#/$defs/selector': 'Selector',
      'routing-rules.v1.json#/$defs/country_ref': 'CountryRef',
      'defs/country.json': 'Country',
    },
  },
  {
    file: 'src/contract/directory.v1.ts',
    source: 'schemas/directory.v1.json',
    name: 'DirectoryDocument',
    names: {
      'participant.v1.json': 'Participant',
    },
    // shared definitions another target already writes are imported from it, not written twice
    imports: {
      './report.v1.ts': { 'defs/incident-type.json': 'IncidentType', 'defs/country.json': 'Country' },
    },
  },
  {
    file: 'src/contract/environment.ts',
    module: 'src/config/environment.ts',
    name: 'Environment',
    names: {},
  },
]

/**
 * Definitions typed wider than their schema: a country is a string in the code (formats read it from
 * free text before Ajv checks it against the list of codes).
 */
const WIDENED = {
  'defs/country.json': { type: 'string', description: 'An ISO 3166-1 alpha-2 code, upper case (schemas/defs/country.json lists them).' },
}

/** Keywords that constrain values without changing their TypeScript type. */
const VALIDATION_ONLY = ['if', 'then', 'else', 'not', 'title', 'examples', 'example', '$schema', '$comment']

const readSchema = (path) => JSON.parse(readFileSync(new URL(`schemas/${path}`, ROOT), 'utf8'))

/** A branch of oneOf/anyOf that only requires fields or a format: not a type of its own. */
const constraintOnly = (schema) =>
  typeof schema === 'object' &&
  !['type', '$ref', 'enum', 'const', 'items', 'oneOf', 'anyOf', 'allOf'].some((key) => key in schema) &&
  Object.values(schema.properties ?? {}).every((value) => value === true)

/** One schema, self-contained, in the shapes the generator reads. */
function selfContained(rootPath, names, imports = {}) {
  const imported = Object.assign({}, ...Object.values(imports))
  const definitions = {}
  const visiting = new Set()

  /** A $ref (relative to `base`, a path below schemas/) -> what stands in its place. */
  function reference(ref, base) {
    const url = new URL(ref, SCHEMA_BASE + base)
    const key = url.href.slice(SCHEMA_BASE.length)
    const [file, pointer = ''] = key.split('#')
    if (imported[key]) return { tsType: imported[key] }
    const name = names[key] ?? names[`${file}#${pointer}`]
    const target =
      WIDENED[key] ??
      pointer
        .split('/')
        .slice(1)
        .reduce((node, part) => node[part], readSchema(file))
    if (!name) {
      if (visiting.has(key)) throw new Error(`${key} refers to itself: name it in scripts/contract-types.js`)
      visiting.add(key)
      const inlined = convert(target, file)
      visiting.delete(key)
      return inlined
    }
    if (!(name in definitions)) {
      definitions[name] = {} // a placeholder first: recursive definitions refer to themselves
      definitions[name] = { ...convert(target, file), title: name }
    }
    return { $ref: `#/definitions/${name}` }
  }

  function convert(schema, base) {
    if (Array.isArray(schema)) return schema.map((item) => convert(item, base))
    if (typeof schema !== 'object' || schema === null) return schema
    const out = {}
    for (const [key, value] of Object.entries(schema)) {
      if (VALIDATION_ONLY.includes(key) || key === '$defs' || key === '$id' || key === '$ref') continue
      if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, base)]))
      else if ((key === 'oneOf' || key === 'anyOf' || key === 'allOf') && value.every(constraintOnly)) continue
      else out[key] = convert(value, base)
    }
    // 2020-12 lets $ref stand beside other keywords: an inlined schema takes them on; a named one stays
    // one type (its siblings only narrow it, or describe the property)
    if (schema.$ref === undefined) return out
    const referenced = reference(schema.$ref, base)
    return referenced.$ref ? referenced : { ...referenced, ...out }
  }

  const root = convert(readSchema(rootPath), rootPath)
  return { ...root, definitions }
}

/** The environment is read with useDefaults: a variable with a default is always there. */
function environmentSchema(schema) {
  const required = Object.entries(schema.properties)
    .filter(([, property]) => 'default' in property)
    .map(([name]) => name)
  return { ...schema, required, additionalProperties: false }
}

async function generate(target) {
  let schema
  if (target.source) schema = selfContained(target.source.slice('schemas/'.length), target.names, target.imports)
  else schema = environmentSchema((await import(new URL(target.module, ROOT).href)).environmentSchema)
  const from = target.source ?? target.module
  const imports = Object.entries(target.imports ?? {}).map(([from, names]) => `import type { ${Object.values(names).join(', ')} } from '${from}'\n`)
  const banner = `// Generated from ${from} by scripts/contract-types.js (npm run contract:types): do not edit.\n${imports.join('')}`
  const code = await compile(schema, target.name, {
    bannerComment: banner,
    additionalProperties: false,
    declareExternallyReferenced: true,
    unreachableDefinitions: false,
    strictIndexSignatures: true,
    ignoreMinAndMaxItems: true,
    format: false,
  })
  const options = await prettier.resolveConfig(new URL(target.file, ROOT))
  return prettier.format(code, { ...options, filepath: target.file })
}

const check = process.argv.includes('--check')
const stale = []
for (const target of TARGETS) {
  const code = await generate(target)
  const path = new URL(target.file, ROOT)
  let current
  try {
    current = readFileSync(path, 'utf8')
  } catch {
    current = undefined
  }
  if (current === code) continue
  if (check) stale.push(target.file)
  else writeFileSync(path, code)
}
if (stale.length > 0) {
  console.error(`the schemas changed and these types were not regenerated (npm run contract:types): ${stale.join(', ')}`)
  process.exit(1)
}
