import { readFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { createAjv } from '../../src/http/schema-compilers.ts'
import { readSchemaFiles } from '../../src/http/schema-registry.ts'
import type { CanonicalReport } from '../../src/intake/report-types.ts'
import { checkRuleSet, compileRuleSet } from '../../src/routing/compile.ts'
import { createRouter } from '../../src/routing/engine.ts'
import type { RoutingRulesError } from '../../src/routing/errors.ts'
import { FACT_NAMES } from '../../src/routing/facts.ts'
import { openGeoDatabase } from '../../src/routing/hosting.ts'
import { DEFAULT_POLICY, readRoutingRules, ROUTING_RULES_SCHEMA_ID } from '../../src/routing/rules-file.ts'
import type { Condition, Fact, Rule, RuleSetDocument } from '../../src/routing/rules-types.ts'
import { changedDirectory, DIRECTORY, item, participant, report, ruleSet } from './helpers.ts'

type Schema = Record<string, unknown>

const schemaFiles = await readSchemaFiles()
const ajv = createAjv(schemaFiles, { coerceTypes: false })
const schema = schemaFiles.find((f) => f.id === ROUTING_RULES_SCHEMA_ID)!.schema
const policyText = await readFile(DEFAULT_POLICY, 'utf8')

t.test('the default policy file is valid against schemas/routing-rules.v1.json (Ajv 2020-12, strict, formats)', async (t) => {
  const validate = ajv.getSchema(ROUTING_RULES_SCHEMA_ID)
  t.type(validate, 'function', "the schema compiles with every other schema under the server's strict configuration")
  t.ok(validate!(parse(policyText)), JSON.stringify(validate!.errors))
  t.strictSame(checkRuleSet(parse(policyText)), [], 'and it compiles')
})

t.test('the schema: closed objects, bounded strings and arrays, the fact list of the engine', async (t) => {
  const visit = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${at}/${i}`))
    if (!node || typeof node !== 'object') return
    const s = node as Schema
    if (s.type === 'string')
      t.ok(
        ['maxLength', 'enum', 'const', '$ref'].some((k) => k in s),
        `${at} is bounded`,
      )
    if (s.type === 'array') t.ok('maxItems' in s, `${at} has maxItems`)
    if (s.type === 'object' && 'properties' in s) t.equal(s.additionalProperties, false, `${at} is closed`)
    for (const [key, value] of Object.entries(s)) if (key !== 'enum' && key !== 'const') visit(value, `${at}/${key}`)
  }
  visit(schema, '')
  t.strictSame(((schema.$defs as Schema).fact as Schema).enum, FACT_NAMES)
  t.equal(schema.$id, 'https://schemas.hotline-gateway.example/routing-rules.v1.json')
})

t.test('the schema refuses unknown properties and malformed rules', async (t) => {
  const validate = ajv.getSchema(ROUTING_RULES_SCHEMA_ID)!
  const policy = parse(policyText) as RuleSetDocument
  const broken: Array<[string, (p: Record<string, any>) => void]> = [
    ['unknown top-level property', (p) => (p.extra = 1)],
    ['unknown rule property', (p) => (p.rules[0].priority = 1)],
    ['unknown fact', (p) => (p.rules[0].when = { fact: 'item.ip', equals: '1' })],
    ['two comparisons in one', (p) => (p.rules[0].when = { fact: 'channel', equals: 'web_form', exists: true })],
    ['a regex comparison', (p) => (p.rules[0].when = { fact: 'channel', matches: '.*' })],
    ['unknown selector', (p) => (p.rules[0].then.send_to = [{ to: 'auditor', country_of: ['home'] }])],
    ['bad country', (p) => (p.rules[0].then.send_to = [{ to: 'hotline', country_of: ['UK'] }])],
    ['bad rule id', (p) => (p.rules[0].id = 'Rule 1')],
    ['no destination', (p) => (p.rules[0].then.send_to = [])],
    ['bad scope', (p) => (p.rules[0].scope = 'case')],
  ]
  for (const [name, breakIt] of broken) {
    const copy = structuredClone(policy) as Record<string, any>
    breakIt(copy)
    t.notOk(validate(copy), name)
  }
})

function problemsOf(document: RuleSetDocument): RoutingRulesError {
  try {
    compileRuleSet(document)
  } catch (error) {
    return error as RoutingRulesError
  }
  throw new Error('expected the rule set to be refused')
}

const rule = (patch: Partial<Rule>): Rule => ({
  id: 'r',
  description: 'To {destination}.',
  scope: 'item',
  when: { all: [] },
  then: { send_to: [{ to: 'hotline', country_of: ['home'] }] },
  ...patch,
})

t.test('compiling refuses what the schema cannot see, naming every problem with its pointer', async (t) => {
  const cases: Array<[string, RuleSetDocument, string, RegExp]> = [
    ['unknown fact', ruleSet([rule({ when: { fact: 'item.owner' as Fact, equals: 'x' } })]), '/rules/0/when/fact', /unknown fact "item.owner"/],
    [
      'item fact in a report rule',
      ruleSet([rule({ scope: 'report', when: { fact: 'item.hosting_country', equals: 'NL' } })]),
      '/rules/0/when/fact',
      /fact of an item/,
    ],
    [
      'unknown value',
      ruleSet([rule({ when: { fact: 'item.classification.status', in: ['baseline', 'ilegal'] } })]),
      '/rules/0/when/in/1',
      /"ilegal" is not a value of "item.classification.status"/,
    ],
    [
      'string for a boolean fact',
      ruleSet([rule({ when: { fact: 'item.hosting_known', equals: 'yes' } })]),
      '/rules/0/when/equals',
      /is true or false/,
    ],
    ['lower-case country', ruleSet([rule({ when: { fact: 'item.hosting_country', equals: 'nl' } })]), '/rules/0/when/equals', /ISO 3166-1 alpha-2/],
    ['equals on a list', ruleSet([rule({ when: { fact: 'item.labels', equals: 'x' } })]), '/rules/0/when/equals', /is a list: use contains/],
    ['contains on a string', ruleSet([rule({ when: { fact: 'channel', contains: 'web' } })]), '/rules/0/when/contains', /is not a list/],
    ['exists on a boolean', ruleSet([rule({ when: { fact: 'item.hosting_known', exists: true } })]), '/rules/0/when/exists', /always exists/],
    [
      'two operators',
      ruleSet([rule({ when: { fact: 'channel', equals: 'web_form', in: ['x'] } as unknown as Condition })]),
      '/rules/0/when',
      /one of equals, in, exists, contains/,
    ],
    [
      'an operator that is not one',
      ruleSet([rule({ when: { fact: 'channel', matches: '.*' } as unknown as Condition })]),
      '/rules/0/when/matches',
      /unknown comparison "matches"/,
    ],
    ['duplicate id', ruleSet([rule({}), rule({})]), '/rules/1/id', /duplicates the id of \/rules\/0/],
    ['reserved id', ruleSet([rule({ id: 'fallback' })]), '/rules/0/id', /reserved/],
    ['unknown placeholder', ruleSet([rule({ description: 'To {recipient}.' })]), '/rules/0/description', /unknown placeholder \{recipient\}/],
    [
      'item placeholder in a report rule',
      ruleSet([rule({ scope: 'report', description: 'Hosted in {hosting_country}.' })]),
      '/rules/0/description',
      /only in a rule with scope "item"/,
    ],
    [
      'hosting country selector in a report rule',
      ruleSet([rule({ scope: 'report', then: { send_to: [{ to: 'hotline', country_of: ['item.hosting_country'] }] } })]),
      '/rules/0/then/send_to/0/country_of/0',
      /only in a rule with scope "item"/,
    ],
    [
      'platform selector in a report rule',
      ruleSet([rule({ scope: 'report', then: { send_to: [{ to: 'platform', operating: 'item.platform' }] } })]),
      '/rules/0/then/send_to/0/operating',
      /only in a rule with scope "item"/,
    ],
    [
      'not a country',
      ruleSet([rule({ then: { send_to: [{ to: 'hotline', country_of: ['Belgium'] }] } })]),
      '/rules/0/then/send_to/0/country_of/0',
      /neither a country code/,
    ],
    [
      'item selector in the fallback',
      ruleSet([], { fallback: { description: 'x', first_of: [{ to: 'hotline', country_of: ['item.hosting_country'] }] } }),
      '/fallback/first_of/0/country_of/0',
      /scope "item"/,
    ],
    ['no destination', ruleSet([rule({ then: { send_to: [] } })]), '/rules/0/then/send_to', /at least one destination/],
  ]
  for (const [name, document, pointer, message] of cases) {
    const error = problemsOf(document)
    t.equal(error.code, 'ROUTING_RULES_INVALID', name)
    t.ok(
      error.problems.some((p) => p.pointer === pointer && message.test(p.message)),
      `${name}: ${JSON.stringify(error.problems)}`,
    )
  }
  let deep: Condition = { fact: 'channel', equals: 'web_form' }
  for (let i = 0; i < 40; i++) deep = { not: deep }
  t.match(problemsOf(ruleSet([rule({ when: deep })])).problems[0]?.message, /nest deeper than 16 levels/)
  const many = problemsOf(ruleSet([rule({ when: { fact: 'x' as Fact, equals: 'y' }, description: '{nope}' }), rule({ id: 'r' })]))
  t.equal(many.problems.length, 3, 'every problem at once, not the first only')
})

t.test('readRoutingRules refuses a bad file with pointers, and reads JSON too', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hg-rules-'))
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text)
    return join(dir, name)
  }
  await t.rejects(readRoutingRules(await write('garbled.yaml', 'rules: [')), {
    code: 'ROUTING_RULES_INVALID',
    problems: [{ pointer: '', message: /cannot be read or parsed/ }],
  })
  await t.rejects(readRoutingRules(await write('twice.yaml', "schema_version: '1'\nschema_version: '1'\n")), { code: 'ROUTING_RULES_INVALID' })
  await t.rejects(readRoutingRules(await write('extra.yaml', `${policyText}\npriority: 1\n`)), {
    code: 'ROUTING_RULES_INVALID',
    problems: [{ pointer: '/priority', message: /unknown property/ }],
  })
  const semantic = policyText.replace('in: [baseline, nationally_illegal]', 'in: [baseline, illegal]')
  await t.rejects(readRoutingRules(await write('semantic.yaml', semantic)), {
    code: 'ROUTING_RULES_INVALID',
    problems: [{ pointer: '/rules/2/when/all/1/in/1' }],
  })
  const json = await write('policy.json', JSON.stringify(parse(policyText)))
  t.strictSame(await readRoutingRules(json), parse(policyText))
})

/** One probe rule per fact: it sends to lu-police when the condition holds. */
const geo = await openGeoDatabase()
function probe(
  when: Condition,
  r: CanonicalReport,
  options: { scope?: 'report' | 'item'; sender?: string; directory?: typeof DIRECTORY } = {},
): boolean {
  const scope = options.scope ?? (JSON.stringify(when).includes('"item.') ? 'item' : 'report')
  const router = createRouter({
    rules: ruleSet([{ id: 'probe', description: 'Probe.', scope, when, then: { send_to: [{ participant: 'lu-police' }] } }]),
    homeCountry: 'BE',
    geo,
  })
  const directory = options.directory ?? DIRECTORY
  const decision = router.route(r, { directory, sender: participant(options.sender ?? 'nl-hotline', directory) })
  return decision.destinations.some((d) => d.participant_id === 'lu-police' && d.rules.some((x) => x.rule_id === 'probe'))
}

t.test('every fact of the vocabulary, true on one report and false on another', async (t) => {
  const plain = report([item({ country: 'NL' })])
  const on = (hosting: Parameters<typeof item>[0], extra: Parameters<typeof item>[1] = {}) => report([item(hosting, extra)])
  const noNotices = changedDirectory({ exampletube: { accepts_notices: false } })
  const cases: Array<[string, Condition, CanonicalReport, CanonicalReport, { sender?: [string, string]; directory?: typeof DIRECTORY }?]> = [
    [
      'urgency.imminent_danger',
      { fact: 'urgency.imminent_danger', equals: true },
      report(plain.items, { urgency: { imminent_danger: true, reason: 'made-up' } }),
      report(plain.items, { urgency: { imminent_danger: false } }),
    ],
    [
      'incident.type',
      { fact: 'incident.type', equals: 'online_enticement' },
      report(plain.items, { incident: { type: 'online_enticement' } }),
      plain,
    ],
    [
      'incident.annotations',
      { fact: 'incident.annotations', contains: 'sextortion' },
      report(plain.items, { incident: { type: 'child_pornography', annotations: ['sextortion'] } }),
      plain,
    ],
    ['channel', { fact: 'channel', equals: 'phone_operator' }, report(plain.items, { channel: 'phone_operator' }), plain],
    [
      'source.source_type',
      { fact: 'source.source_type', in: ['trusted_flagger', 'article_16'] },
      report(plain.items, { source: { source_type: 'trusted_flagger' } }),
      plain,
    ],
    [
      'reporter.anonymous',
      { fact: 'reporter.anonymous', equals: false },
      report(plain.items, { reporter: { anonymous: false, contact: { email: 'someone@example.net' } } }),
      plain,
    ],
    [
      'reporter.consent_to_contact',
      { fact: 'reporter.consent_to_contact', equals: true },
      report(plain.items, { reporter: { anonymous: false, contact: { email: 'someone@example.net' }, consent_to_contact: true } }),
      report(plain.items, { reporter: { anonymous: false, contact: { email: 'someone@example.net' } } }),
    ],
    ['reporter_country', { fact: 'reporter_country', equals: 'NL' }, report(plain.items, { reporter_country: 'NL' }), plain],
    ['victim_country', { fact: 'victim_country', exists: true }, report(plain.items, { victim_country: 'DE' }), plain],
    ['sender.kind', { fact: 'sender.kind', equals: 'law_enforcement' }, plain, plain, { sender: ['nl-police', 'nl-hotline'] }],
    ['sender.id', { fact: 'sender.id', equals: 'us-hotline' }, plain, plain, { sender: ['us-hotline', 'nl-hotline'] }],
    ['item.hosting_country', { fact: 'item.hosting_country', in: ['DE', 'NL'] }, plain, on({ country: 'FR' })],
    ['item.hosting_source', { fact: 'item.hosting_source', equals: 'hosting_ip' }, on({ ip: '8.8.8.8' }), plain],
    ['item.hosting_confidence', { fact: 'item.hosting_confidence', equals: 'high' }, plain, on({ ip: '8.8.8.8' })],
    ['item.hosting_known', { fact: 'item.hosting_known', equals: false }, on(undefined), plain],
    ['item.hosted_in_home', { fact: 'item.hosted_in_home', equals: true }, on({ country: 'BE' }), plain],
    ['item.hosting_country_has_hotline', { fact: 'item.hosting_country_has_hotline', equals: false }, on({ country: 'LU' }), plain],
    [
      'item.hosting_country_has_law_enforcement',
      { fact: 'item.hosting_country_has_law_enforcement', equals: true },
      on({ country: 'LU' }),
      on({ country: 'FR' }),
    ],
    [
      'item.classification.status',
      { fact: 'item.classification.status', equals: 'not_illegal' },
      on({ country: 'NL' }, { classification: { status: 'not_illegal' } }),
      plain,
    ],
    [
      'item.classification.jurisdiction',
      { fact: 'item.classification.jurisdiction', equals: 'NL' },
      on(undefined, { classification: { status: 'nationally_illegal', jurisdiction: 'NL' } }),
      on(undefined, { classification: { status: 'nationally_illegal', jurisdiction: 'DE' } }),
    ],
    [
      'item.content_type',
      { fact: 'item.content_type', equals: 'video' },
      on(undefined, { content_type: 'video' }),
      on(undefined, { content_type: 'image' }),
    ],
    ['item.locator.type', { fact: 'item.locator.type', equals: 'username' }, report([{ locator: { type: 'username', value: '@made_up' } }]), plain],
    [
      'item.labels',
      { fact: 'item.labels', contains: 'ai-generated' },
      on(undefined, { labels: ['gallery', 'ai-generated'] }),
      on(undefined, { labels: ['gallery'] }),
    ],
    ['item.platform', { fact: 'item.platform', equals: 'ExampleTube' }, on({ platform: 'ExampleTube' }), on({ platform: 'Example Board' })],
    [
      'item.platform_in_directory',
      { fact: 'item.platform_in_directory', equals: true },
      on({ platform: 'exampletube' }),
      on({ platform: 'Example Board' }),
    ],
    [
      'item.platform_takes_notices',
      { fact: 'item.platform_takes_notices', equals: true },
      on({ platform: 'ExampleTube' }),
      on({ platform: 'ExampleTube' }),
      { directory: noNotices },
    ],
  ]
  t.strictSame(cases.map((c) => c[0]).sort(), [...FACT_NAMES].sort(), 'every fact has a case')
  for (const [name, when, yes, no, options = {}] of cases) {
    t.ok(probe(when, yes, { ...(options.sender ? { sender: options.sender[0] } : {}) }), `${name}: true`)
    t.notOk(
      probe(when, no, { ...(options.sender ? { sender: options.sender[1] } : {}), ...(options.directory ? { directory: options.directory } : {}) }),
      `${name}: false`,
    )
  }
})

t.test('all, any, not, in and exists combine as they read', async (t) => {
  const nl = report([item({ country: 'NL' })], { channel: 'phone_operator' })
  const is = (fact: Fact, equals: string) => ({ fact, equals })
  t.ok(probe({ all: [] }, nl), 'all of nothing is true')
  t.notOk(probe({ any: [] }, nl), 'any of nothing is false')
  t.ok(probe({ all: [is('channel', 'phone_operator'), is('incident.type', 'child_pornography')] }, nl))
  t.notOk(probe({ all: [is('channel', 'phone_operator'), is('incident.type', 'online_enticement')] }, nl))
  t.ok(probe({ any: [is('channel', 'web_form'), is('incident.type', 'child_pornography')] }, nl))
  t.ok(probe({ not: is('channel', 'web_form') }, nl))
  t.notOk(probe({ fact: 'channel', in: ['web_form', 'trusted_flagger'] }, nl))
  t.ok(probe({ fact: 'victim_country', exists: false }, nl))
  t.ok(probe({ not: { fact: 'item.platform', exists: true } }, nl, { scope: 'item' }))
})
