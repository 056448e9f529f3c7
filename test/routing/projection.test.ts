import { readFileSync } from 'node:fs'
import t from 'tap'
import { createAjv } from '../../src/http/schema-compilers.ts'
import { readSchemaFiles, SCHEMA_BASE } from '../../src/http/schema-registry.ts'
import type { CanonicalReport } from '../../src/intake/report-types.ts'
import { ProjectionError } from '../../src/routing/errors.ts'
import { compileProjections, project, type ProjectOptions } from '../../src/routing/projection.ts'

type Json = Record<string, unknown>
type View = 'hotline' | 'law_enforcement' | 'law_enforcement_consented' | 'platform'

const FULL = JSON.parse(readFileSync(new URL('fixtures/full-report.json', import.meta.url), 'utf8')) as CanonicalReport
const schemaFiles = await readSchemaFiles()
const ajv = createAjv(schemaFiles, { coerceTypes: false })

/** What each view must show of every field of a full report: kept as sent, left out, or set to a value. */
const K = 'keep' as const
const D = 'drop' as const
type Expect = typeof K | typeof D | { set: unknown }
const ALL: Record<View, Expect> = { hotline: K, law_enforcement: K, law_enforcement_consented: K, platform: K }
const NOT_PLATFORM: Record<View, Expect> = { ...ALL, platform: D }
const CONSENTED_ONLY: Record<View, Expect> = { hotline: D, law_enforcement: D, law_enforcement_consented: K, platform: D }
/** The reporter of the full report agreed to share their name and email with a platform too. */
const SHARED: Record<View, Expect> = { ...CONSENTED_ONLY, platform: K }
/** Fields a sender's report does not fill with the others: a projection sets them. */
const SET_BY_PROJECTIONS = ['/reporter/contact_withheld']
const EXPECTED: Record<string, Record<View, Expect>> = {
  '/schema_version': NOT_PLATFORM,
  '/channel': NOT_PLATFORM,
  '/source/source_type': NOT_PLATFORM,
  '/source/external_id': NOT_PLATFORM,
  '/source/prior_report_refs/*': NOT_PLATFORM,
  '/reporter/anonymous': { hotline: { set: true }, law_enforcement: { set: true }, law_enforcement_consented: K, platform: D },
  '/reporter/contact/name': SHARED,
  '/reporter/contact/email': SHARED,
  '/reporter/contact/phone': CONSENTED_ONLY,
  '/reporter/consent_to_contact': CONSENTED_ONLY,
  '/reporter/bona_fide_statement': ALL,
  '/reporter/share_contact_with_platform': CONSENTED_ONLY,
  '/reporter/contact_withheld': NOT_PLATFORM,
  '/incident/type': NOT_PLATFORM,
  '/incident/annotations/*': NOT_PLATFORM,
  '/incident/occurred_at': NOT_PLATFORM,
  '/incident/description': NOT_PLATFORM,
  '/incident/legal_ground': ALL,
  '/incident/explanation': ALL,
  '/urgency/imminent_danger': NOT_PLATFORM,
  '/urgency/reason': NOT_PLATFORM,
  '/items/*/url': ALL,
  '/items/*/locator/type': ALL,
  '/items/*/locator/value': ALL,
  '/items/*/content_type': NOT_PLATFORM,
  '/items/*/context': ALL,
  '/items/*/hashes/*/alg': NOT_PLATFORM,
  '/items/*/hashes/*/value': NOT_PLATFORM,
  '/items/*/hosting/ip': NOT_PLATFORM,
  '/items/*/hosting/provider': NOT_PLATFORM,
  '/items/*/hosting/country': NOT_PLATFORM,
  '/items/*/hosting/platform': NOT_PLATFORM,
  '/items/*/classification/status': NOT_PLATFORM,
  '/items/*/classification/jurisdiction': NOT_PLATFORM,
  '/items/*/classification/classified_by': NOT_PLATFORM,
  '/items/*/labels/*': NOT_PLATFORM,
  '/reported_accounts/*/service': NOT_PLATFORM,
  '/reported_accounts/*/screen_name': NOT_PLATFORM,
  '/reported_accounts/*/display_name': NOT_PLATFORM,
  '/reported_accounts/*/profile_url': NOT_PLATFORM,
  '/reporter_country': NOT_PLATFORM,
  '/victim_country': NOT_PLATFORM,
  '/language': NOT_PLATFORM,
}

/** Every leaf of a JSON value, as [pointer, value]. */
function leaves(value: unknown, at = ''): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${at}/${i}`))
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, `${at}/${k}`))
  return [[at, value]]
}

const pattern = (pointer: string) => pointer.replace(/\/\d+(?=\/|$)/g, '/*')

/** The leaf fields report.v1.json declares, as pointer patterns (through its $defs and defs/hash.json). */
function declaredLeaves(schema: Json, root: Json, at = ''): string[] {
  const ref = schema.$ref as string | undefined
  if (ref?.startsWith('#/$defs/')) return declaredLeaves((root.$defs as Json)[ref.slice(8)] as Json, root, at)
  if (ref === 'defs/hash.json') return declaredLeaves(schemaFiles.find((f) => f.path === 'defs/hash.json')!.schema, root, at)
  if (schema.type === 'array') return declaredLeaves(schema.items as Json, root, `${at}/*`)
  const properties = schema.properties as Record<string, Json> | undefined
  if (!properties) return [at]
  return Object.entries(properties).flatMap(([name, sub]) => declaredLeaves(sub, root, `${at}/${name}`))
}

function view(report: CanonicalReport, v: View, options: ProjectOptions = {}) {
  if (v === 'law_enforcement_consented') return project(report, 'law_enforcement', options)
  if (v === 'law_enforcement') return project(report, 'law_enforcement', { ...options, consent: false })
  return project(report, v, options)
}

t.test('the full report is a valid report with every field report.v1.json declares', async (t) => {
  const validate = ajv.getSchema(`${SCHEMA_BASE}report.v1.json`)!
  t.ok(validate(FULL), JSON.stringify(validate.errors))
  const report = schemaFiles.find((f) => f.path === 'report.v1.json')!.schema
  const declared = [...new Set(declaredLeaves(report, report))].sort()
  t.strictSame(
    [...new Set(leaves(FULL).map(([p]) => pattern(p)))].sort(),
    declared.filter((p) => !SET_BY_PROJECTIONS.includes(p)),
    'the fixture fills every field a sender fills',
  )
  t.strictSame(Object.keys(EXPECTED).sort(), declared, 'the expectations name every field')
})

t.test('each destination kind gets only what it needs, field by field', async (t) => {
  const source = new Map(leaves(FULL))
  for (const v of ['hotline', 'law_enforcement', 'law_enforcement_consented', 'platform'] as const) {
    const projected = new Map(leaves(view(FULL, v)))
    for (const [pointer, value] of source) {
      const expect = EXPECTED[pattern(pointer)]![v]
      if (expect === D) t.notOk(projected.has(pointer), `${v}: ${pointer} is left out`)
      else if (expect === K) t.strictSame(projected.get(pointer), value, `${v}: ${pointer} is kept`)
      else t.strictSame(projected.get(pointer), expect.set, `${v}: ${pointer} is set`)
    }
    const withheld = v === 'hotline' || v === 'law_enforcement'
    t.equal(projected.get('/reporter/contact_withheld'), withheld ? true : undefined, `${v}: says whether the contact is withheld`)
    for (const pointer of projected.keys()) {
      if (pointer !== '/reporter/contact_withheld') t.ok(source.has(pointer), `${v}: ${pointer} comes from the report`)
    }
  }
})

t.test('the platform notice in full, and the reporter each kind sees', async (t) => {
  t.strictSame(project(FULL, 'platform'), {
    items: [
      { url: 'https://example.org/forum/thread/17#post-3', context: 'Made-up test context: gallery linked from the first post.' },
      { locator: { type: 'username', value: '@made_up_example_account' }, context: 'Made-up test context: the account that invites to the group.' },
    ],
    incident: {
      legal_ground: 'Directive 2011/93/EU, Article 5 (made-up test reference)',
      explanation: 'Made-up test explanation: the gallery shows sexualised images of prepubescent children.',
    },
    reporter: { contact: { name: 'Sam Example', email: 'sam.reporter@example.net' }, bona_fide_statement: true },
  })
  const withheld = { anonymous: true, bona_fide_statement: true, contact_withheld: true }
  t.strictSame(project(FULL, 'hotline').reporter, withheld)
  t.strictSame(project(FULL, 'law_enforcement').reporter, FULL.reporter, 'the reporter consented: police may contact them')
  t.strictSame(project(FULL, 'law_enforcement', { consent: false }).reporter, withheld, 'the caller may withhold')
  const refused = { ...FULL, reporter: { ...FULL.reporter, consent_to_contact: false, share_contact_with_platform: false } } as CanonicalReport
  t.strictSame(project(refused, 'law_enforcement', { consent: true }).reporter, withheld, 'but never grant what the reporter did not')
  t.strictSame(project(refused, 'platform').reporter, { bona_fide_statement: true, contact_withheld: true }, 'nor to a platform')
  const anonymous = { ...FULL, reporter: { anonymous: true } } as CanonicalReport
  t.strictSame(project(anonymous, 'law_enforcement').reporter, { anonymous: true }, 'an anonymous reporter withheld nothing')
  t.equal(project(anonymous, 'platform').reporter, undefined)
})

t.test('projections are valid documents for their kind (schemas/projections.v1.json $defs)', async (t) => {
  const fixtures = ['report-web-form.json', 'report-imminent-danger.json', 'report-anonymous.json', 'report-phone-operator.json'].map(
    (name) => JSON.parse(readFileSync(new URL(`../fixtures/intake/${name}`, import.meta.url), 'utf8')) as CanonicalReport,
  )
  for (const report of [FULL, ...fixtures]) {
    for (const kind of ['hotline', 'law_enforcement', 'platform'] as const) {
      const validate = ajv.getSchema(`${SCHEMA_BASE}projections.v1.json#/$defs/${kind}`)!
      t.ok(validate(project(report, kind)), `${kind}: ${JSON.stringify(validate.errors)}`)
    }
  }
  const validate = ajv.getSchema(`${SCHEMA_BASE}projections.v1.json#/$defs/hotline`)!
  t.notOk(validate(FULL), 'the unprojected report is not what a partner hotline may receive')
})

t.test('a destination is sent only its items', async (t) => {
  t.strictSame(project(FULL, 'platform', { items: [0] }).items, [
    { url: 'https://example.org/forum/thread/17#post-3', context: 'Made-up test context: gallery linked from the first post.' },
  ])
  t.strictSame(project(FULL, 'hotline', { items: [1] }).items, [structuredClone(FULL.items[1])])
  t.strictSame(project(FULL, 'hotline', { items: [1, 0, 1] }).items.length, 2, 'report order, each once')
  t.throws(() => project(FULL, 'hotline', { items: [2] }), { code: 'PROJECTION_BAD_ITEMS' })
  t.throws(() => project(FULL, 'hotline', { items: [] }), { code: 'PROJECTION_BAD_ITEMS' })
  t.throws(() => project(FULL, 'hotline', { items: [0.5] }), { code: 'PROJECTION_BAD_ITEMS' })
})

t.test('a projection shares nothing with the report, and unknown kinds are refused', async (t) => {
  const copy = structuredClone(FULL)
  const projected = project(copy, 'law_enforcement')
  projected.items[0]!.hashes!.pop()
  projected.incident.type = 'online_enticement'
  t.strictSame(copy, FULL)
  t.throws(() => project(FULL, 'auditor' as never), ProjectionError)
  t.throws(() => project(FULL, 'auditor' as never), { code: 'PROJECTION_UNKNOWN_KIND' })
})

t.test('the projection declaration is checked', async (t) => {
  const declared = JSON.parse(readFileSync(new URL('../../schemas/projections.v1.json', import.meta.url), 'utf8'))['x-projection']
  t.equal(compileProjections(declared).size, 3)
  const { platform: _, ...withoutPlatform } = declared
  t.throws(() => compileProjections(withoutPlatform), { code: 'PROJECTION_SPEC_INVALID' })
  t.throws(() => compileProjections({ ...declared, hotline: { keep: ['reporter'] } }), { code: 'PROJECTION_SPEC_INVALID' })
  t.throws(() => compileProjections(null), { code: 'PROJECTION_SPEC_INVALID' })
  t.throws(() => compileProjections({ ...declared, platform: { ...declared.platform, consent: '/incident/type' } }), {
    code: 'PROJECTION_SPEC_INVALID',
  })
})
