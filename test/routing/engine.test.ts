import t from 'tap'
import type { CanonicalReport } from '../../src/intake/report-types.ts'
import { createRouter, type Router } from '../../src/routing/engine.ts'
import { openGeoDatabase } from '../../src/routing/hosting.ts'
import { readRoutingRules } from '../../src/routing/rules-file.ts'
import type { RuleSetDocument } from '../../src/routing/rules-types.ts'
import { changedDirectory, DIRECTORY, ILLEGAL, item, participant, report, ruleIds, ruleSet, sent, skipsOf } from './helpers.ts'

const POLICY = await readRoutingRules()
const geo = await openGeoDatabase()
const router = createRouter({ rules: POLICY, homeCountry: 'BE', geo })

function route(r: CanonicalReport, sender = 'nl-hotline', options: { handed?: string[]; directory?: typeof DIRECTORY; via?: Router } = {}) {
  const directory = options.directory ?? DIRECTORY
  return (options.via ?? router).route(r, {
    directory,
    sender: participant(sender, directory),
    ...(options.handed ? { alreadyHandedTo: new Set(options.handed) } : {}),
  })
}

t.test('the default policy is the six rules of issue 5 and the DSA notice rule, in order', async (t) => {
  t.strictSame(
    POLICY.rules.map((r) => r.id),
    [
      'imminent-danger',
      'hosting-country-hotline',
      'home-hosted-illegal',
      'no-hotline-in-hosting-country',
      'hosting-unknown',
      'platform-notice',
      'dsa-notice-to-platform',
    ],
  )
  t.equal(router.rulesetVersion, POLICY.version)
})

t.test('each rule of the default policy, over the example directory', async (t) => {
  const cases: Array<{ name: string; report: CanonicalReport; sender?: string; sent: Array<[string, number[]]>; rules: Record<string, string[]> }> = [
    {
      name: "1: imminent danger -> police of the victim's country, urgent, before the referral",
      report: report([item({ country: 'NL' })], {
        urgency: { imminent_danger: true, reason: 'made-up deadline' },
        victim_country: 'DE',
        reporter_country: 'NL',
      }),
      sent: [
        ['de-police', [0]],
        ['nl-hotline', [0]],
      ],
      sender: 'be-hotline',
      rules: { 'de-police': ['imminent-danger'], 'nl-hotline': ['hosting-country-hotline'] },
    },
    {
      name: "1: no victim country -> the reporter's",
      report: report([item({ country: 'US' })], { urgency: { imminent_danger: true, reason: 'made-up' }, reporter_country: 'NL' }),
      sent: [
        ['nl-police', [0]],
        ['us-hotline', [0]],
      ],
      rules: { 'nl-police': ['imminent-danger'] },
    },
    {
      name: '1: neither known -> home police',
      report: report([item({ country: 'US' })], { urgency: { imminent_danger: true, reason: 'made-up' } }),
      sent: [
        ['be-police', [0]],
        ['us-hotline', [0]],
      ],
      rules: { 'be-police': ['imminent-danger'] },
    },
    {
      name: '2: hosted in a country with a hotline -> that hotline',
      report: report([item({ country: 'US' }), item({ country: 'DE' })]),
      sent: [
        ['us-hotline', [0]],
        ['de-hotline', [1]],
      ],
      rules: { 'us-hotline': ['hosting-country-hotline'], 'de-hotline': ['hosting-country-hotline'] },
    },
    {
      name: '3: hosted at home and classified illegal by a hotline -> home police as well as the home hotline',
      report: report([item({ country: 'BE' }, ILLEGAL)]),
      sent: [
        ['be-hotline', [0]],
        ['be-police', [0]],
      ],
      rules: { 'be-hotline': ['hosting-country-hotline'], 'be-police': ['home-hosted-illegal'] },
    },
    {
      name: '3: nationally illegal counts too',
      report: report([item({ country: 'BE' }, { classification: { status: 'nationally_illegal', jurisdiction: 'BE' } })]),
      sent: [
        ['be-hotline', [0]],
        ['be-police', [0]],
      ],
      rules: { 'be-police': ['home-hosted-illegal'] },
    },
    {
      name: '3: not when the hotline found it not illegal',
      report: report([item({ country: 'BE' }, { classification: { status: 'not_illegal' } })]),
      sent: [['be-hotline', [0]]],
      rules: {},
    },
    {
      name: '3: not when a platform, not a hotline, classified it',
      report: report([item({ country: 'BE' }, ILLEGAL)]),
      sender: 'exampletube',
      sent: [['be-hotline', [0]]],
      rules: {},
    },
    {
      name: '4: hosted in a country with police but no hotline (LU) -> home police',
      report: report([item({ country: 'LU' })]),
      sent: [['be-police', [0]]],
      rules: { 'be-police': ['no-hotline-in-hosting-country'] },
    },
    {
      name: '4: hosted in a country with nobody in the directory (FR) -> home police',
      report: report([item({ country: 'FR' })]),
      sent: [['be-police', [0]]],
      rules: { 'be-police': ['no-hotline-in-hosting-country'] },
    },
    {
      name: '5: hosting unknown -> home hotline to assess and trace',
      report: report([item(undefined), item(undefined, { url: undefined, locator: { type: 'username', value: '@made_up_example' } })]),
      sent: [['be-hotline', [0, 1]]],
      rules: { 'be-hotline': ['hosting-unknown'] },
    },
    {
      name: '6: a platform that takes notices, on an item a hotline classified illegal -> notice, beside the referral',
      report: report([item({ country: 'US', platform: 'ExampleTube' }, ILLEGAL)]),
      sent: [
        ['us-hotline', [0]],
        ['exampletube', [0]],
      ],
      rules: { exampletube: ['platform-notice'] },
    },
    {
      name: '6: service names are compared without case',
      report: report([item({ platform: ' exampletube.EXAMPLE.com ' }, ILLEGAL)]),
      sent: [
        ['be-hotline', [0]],
        ['exampletube', [0]],
      ],
      rules: { exampletube: ['platform-notice'] },
    },
    {
      name: '6: no notice for an unassessed item',
      report: report([item({ country: 'US', platform: 'ExampleTube' })]),
      sent: [['us-hotline', [0]]],
      rules: {},
    },
    {
      name: '7: a DSA Art. 16 notice naming a platform that takes notices -> the platform, unclassified, beside the home hotline',
      report: report([item({ platform: 'ExampleTube' })], { source: { source_type: 'article_16' } }),
      sent: [
        ['be-hotline', [0]],
        ['exampletube', [0]],
      ],
      rules: { exampletube: ['dsa-notice-to-platform'] },
    },
    {
      name: "7: a trusted flagger's notice too, from the home hotline (which is not sent its own report)",
      report: report([item({ platform: 'exampletube.example.com' })], { source: { source_type: 'trusted_flagger' } }),
      sender: 'be-hotline',
      sent: [['exampletube', [0]]],
      rules: { exampletube: ['dsa-notice-to-platform'] },
    },
    {
      name: '6 and 7: a notice a hotline classified illegal reaches the platform once, for both reasons',
      report: report([item({ country: 'US', platform: 'ExampleTube' }, ILLEGAL)], { source: { source_type: 'article_16' } }),
      sent: [
        ['us-hotline', [0]],
        ['exampletube', [0]],
      ],
      rules: { exampletube: ['platform-notice', 'dsa-notice-to-platform'] },
    },
    {
      name: '7: no notice for a hotline report that is not a DSA notice and is unassessed',
      report: report([item({ platform: 'ExampleTube' })], { source: { source_type: 'hotline' } }),
      sent: [['be-hotline', [0]]],
      rules: {},
    },
    {
      name: '6: no notice for a platform the directory does not know',
      report: report([item({ country: 'US', platform: 'Example Board' }, ILLEGAL)]),
      sent: [['us-hotline', [0]]],
      rules: {},
    },
  ]
  for (const c of cases) {
    const decision = route(c.report, c.sender)
    t.strictSame(sent(decision), c.sent, c.name)
    for (const [id, rules] of Object.entries(c.rules)) t.strictSame(ruleIds(decision, id), rules, `${c.name}: rules of ${id}`)
    t.strictSame(decision.unrouted_items, [], `${c.name}: nothing left with nobody`)
  }
})

t.test('the urgent path: only the imminent-danger destination is urgent, and merging keeps it urgent', async (t) => {
  const urgent = { urgency: { imminent_danger: true as const, reason: 'made-up deadline' }, victim_country: 'BE' }
  const decision = route(report([item({ country: 'BE' }, ILLEGAL), item({ country: 'NL' })], urgent), 'us-hotline')
  t.strictSame(sent(decision), [
    ['be-police', [0, 1]],
    ['be-hotline', [0]],
    ['nl-hotline', [1]],
  ])
  t.strictSame(
    decision.destinations.map((d) => d.urgent),
    [true, false, false],
  )
  // rule 3 also sends to be-police: one entry, both rules, still urgent
  t.strictSame(ruleIds(decision, 'be-police'), ['imminent-danger', 'home-hosted-illegal'])
  const quiet = route(report([item({ country: 'BE' }, ILLEGAL)], { urgency: { imminent_danger: false } }))
  t.notOk(
    quiet.destinations.some((d) => d.urgent),
    'no urgency without imminent danger',
  )
})

t.test('the urgent path explains which country was chosen and why', async (t) => {
  const urgent = { imminent_danger: true as const, reason: 'made-up' }
  const victim = route(report([item({ country: 'NL' })], { urgency: urgent, victim_country: 'DE' }), 'be-hotline')
  t.match(victim.destinations[0]?.rules[0]?.reason, /^Rule imminent-danger: .*law-enforcement contact of DE, the victim's country\./)
  const france = route(report([item({ country: 'NL' })], { urgency: urgent, victim_country: 'FR', reporter_country: 'NL' }))
  t.equal(france.destinations[0]?.participant_id, 'nl-police')
  t.match(
    france.destinations[0]?.rules[0]?.reason,
    /of NL, the reporter's country, as the victim's country FR has no law-enforcement contact in the directory/,
  )
  const none = route(report([item({ country: 'NL' })], { urgency: urgent }))
  t.match(
    none.destinations[0]?.rules[0]?.reason,
    /of BE, the gateway's home country, as the victim's country is not known and the reporter's country is not known/,
  )
})

t.test('every reason and every skip names its rule', async (t) => {
  const decision = route(
    report([item({ country: 'BE' }, ILLEGAL), item({ country: 'LU' }), item(), item({ country: 'US', platform: 'ExampleTube' }, ILLEGAL)], {
      urgency: { imminent_danger: true, reason: 'made-up' },
      victim_country: 'NL',
    }),
    'be-hotline',
  )
  let reasons = 0
  for (const destination of decision.destinations) {
    for (const { rule_id, reason } of destination.rules) {
      t.ok(reason.startsWith(`Rule ${rule_id}: `), reason)
      t.notMatch(reason, /\{[a-z_]+\}/, 'no placeholder left unfilled')
      reasons++
    }
  }
  for (const skip of decision.skipped) t.ok(skip.reason.startsWith(`Rule ${skip.rule_id}: `), skip.reason)
  t.ok(reasons >= 5 && decision.skipped.length >= 1, 'the case exercises several rules and a skip')
})

t.test('ordering: destinations in rule order, then item order; items ascending; output deterministic', async (t) => {
  const items = [
    item(),
    item({ country: 'LU' }),
    item({ country: 'DE' }),
    item({ country: 'NL' }),
    item({ country: 'DE' }),
    item({ ip: '193.0.14.129' }),
  ]
  const decision = route(report(items), 'us-hotline')
  // rule 2 (de, nl) before rule 4 (LU) before rule 5 (unknown), although item 0 is unknown
  t.strictSame(sent(decision), [
    ['de-hotline', [2, 4]],
    ['nl-hotline', [3, 5]],
    ['be-police', [1]],
    ['be-hotline', [0]],
  ])
  t.strictSame(decision.destinations[0]?.rules.length, 1, 'two items, same wording: one reason')
  t.strictSame(route(report(items), 'us-hotline'), decision, 'the same input gives the same decision')
  t.strictSame(
    decision.facts.items.map((f) => f.index),
    [0, 1, 2, 3, 4, 5],
  )
})

t.test('ordering and stop: an earlier rule that stops takes precedence', async (t) => {
  const flagged: RuleSetDocument['rules'][number] = {
    id: 'police-first',
    description: 'Sent to {destination} first.',
    scope: 'item',
    when: { fact: 'item.labels', contains: 'police-only' },
    then: { send_to: [{ to: 'law_enforcement', country_of: ['item.hosting_country'] }], stop: true },
  }
  const referral = POLICY.rules[1]!
  const r = report([item({ country: 'NL' }, { labels: ['police-only'] }), item({ country: 'NL' })])
  const first = createRouter({ rules: ruleSet([flagged, referral]), homeCountry: 'BE' })
  t.strictSame(
    sent(route(r, 'be-hotline', { via: first })),
    [
      ['nl-police', [0]],
      ['nl-hotline', [1]],
    ],
    'item 0 stops after the police rule',
  )
  const second = createRouter({ rules: ruleSet([referral, flagged]), homeCountry: 'BE' })
  t.strictSame(
    sent(route(r, 'be-hotline', { via: second })),
    [
      ['nl-hotline', [0, 1]],
      ['nl-police', [0]],
    ],
    'in the other order both apply',
  )
  const reportStop = createRouter({
    rules: ruleSet([
      {
        ...flagged,
        scope: 'report',
        when: { fact: 'channel', equals: 'web_form' },
        then: { send_to: [{ to: 'law_enforcement', country_of: ['NL'] }], stop: true },
      },
      referral,
    ]),
    homeCountry: 'BE',
  })
  t.strictSame(sent(route(r, 'be-hotline', { via: reportStop })), [['nl-police', [0, 1]]], 'a report rule that stops ends all rules')
})

t.test('skips: never back to the sender, and the sender keeps the item (no fallback)', async (t) => {
  const decision = route(report([item({ country: 'NL' })]), 'nl-hotline')
  t.strictSame(sent(decision), [])
  t.strictSame(skipsOf(decision), [['nl-hotline', 'hosting-country-hotline']])
  t.match(decision.skipped[0]?.reason, /nl-hotline sent this report, and routing never sends a report back to its sender/)
  t.strictSame(decision.skipped[0]?.items, [0])
  t.strictSame(decision.unrouted_items, [])
})

t.test('skips: a destination that does not take the incident type; the item then goes to the fallback', async (t) => {
  const r = report([item({ country: 'DE' })], { incident: { type: 'misleading_domain_name' } })
  const decision = route(r, 'nl-hotline')
  t.strictSame(skipsOf(decision), [['de-hotline', 'hosting-country-hotline']])
  t.match(decision.skipped[0]?.reason, /de-hotline does not take reports of type misleading_domain_name/)
  t.strictSame(sent(decision), [['be-hotline', [0]]])
  t.strictSame(ruleIds(decision, 'be-hotline'), ['fallback'])
  t.match(
    decision.destinations[0]?.rules[0]?.reason,
    /^Rule fallback: No rule found a destination for this material, so it goes to Example Hotline Belgium/,
  )
  // of two hotlines in a country, the first that takes the type is chosen
  const two = changedDirectory({
    'de-hotline-2': {
      name: 'Second DE hotline',
      kind: 'hotline',
      countries: ['DE'],
      delivery: { mode: 'pull' },
      formats: ['canonical_v1'],
      clients: ['de2'],
    },
  })
  t.strictSame(sent(route(r, 'nl-hotline', { directory: two })), [['de-hotline-2', [0]]])
})

t.test('skips: a case already handed to a participant is not sent again (duplicates add to the case)', async (t) => {
  const r = report([item({ country: 'NL' }), item({ country: 'LU' })], {
    urgency: { imminent_danger: true, reason: 'made-up' },
    victim_country: 'BE',
  })
  const first = route(r, 'us-hotline')
  t.strictSame(sent(first), [
    ['be-police', [0, 1]],
    ['nl-hotline', [0]],
  ])
  const duplicate = route(r, 'us-hotline', { handed: first.destinations.map((d) => d.participant_id) })
  t.strictSame(duplicate.destinations, [], 'nothing is re-sent')
  t.strictSame(duplicate.unrouted_items, [], 'and the fallback does not fire: the case holders have it')
  t.strictSame(skipsOf(duplicate), [
    ['be-police', 'imminent-danger'],
    ['nl-hotline', 'hosting-country-hotline'],
    ['be-police', 'no-hotline-in-hosting-country'],
  ])
  for (const skip of duplicate.skipped) t.match(skip.reason, /already received this case: the report is added to the case, not sent again/)
  t.equal(duplicate.skipped[0]?.urgent, true, 'a skipped urgent handoff says so, for the case holder to be told')
  // a duplicate with a new item reaches only the new destination
  const grown = route(report([...r.items, item({ country: 'DE' })], { urgency: r.urgency, victim_country: 'BE' }), 'us-hotline', {
    handed: ['be-police', 'nl-hotline'],
  })
  t.strictSame(sent(grown), [['de-hotline', [2]]])
})

t.test('skips: kinds that take no reports, unknown participants, formats a participant cannot read', async (t) => {
  const rules = ruleSet([
    {
      id: 'odd-targets',
      description: 'To {destination}.',
      scope: 'report',
      when: { all: [] },
      then: {
        send_to: [
          { participant: 'example-auditor' },
          { participant: 'gateway-operators' },
          { participant: 'xx-nobody' },
          { participant: 'nl-police' },
        ],
      },
    },
  ])
  const decision = route(report([item({ country: 'NL' })]), 'us-hotline', { via: createRouter({ rules, homeCountry: 'BE' }) })
  t.strictSame(sent(decision), [['nl-police', [0]]])
  t.strictSame(
    decision.skipped.map((s) => s.reason),
    [
      'Rule odd-targets: example-auditor is an auditor: only hotlines, law-enforcement contacts and platforms receive reports',
      'Rule odd-targets: gateway-operators is an operator: only hotlines, law-enforcement contacts and platforms receive reports',
      'Rule odd-targets: participant xx-nobody is not in the directory',
    ],
  )
  const noNotices = changedDirectory({ exampletube: { formats: ['canonical_v1'] } })
  const platform = route(report([item({ country: 'US', platform: 'ExampleTube' }, ILLEGAL)]), 'nl-hotline', { directory: noNotices })
  t.strictSame(sent(platform), [['us-hotline', [0]]])
  t.match(platform.skipped[0]?.reason, /exampletube reads none of the formats a platform can be sent \(dsa_notice_v1\)/)
})

t.test("formats: the participant's own order of preference among those its kind can be sent", async (t) => {
  const decision = route(report([item({ country: 'US', platform: 'ExampleTube' }, ILLEGAL), item({ country: 'LU' })]))
  t.strictSame(
    decision.destinations.map((d) => [d.participant_id, d.kind, d.format]),
    [
      ['us-hotline', 'hotline', 'cybertipline_xml'],
      ['be-police', 'law_enforcement', 'canonical_v1'],
      ['exampletube', 'platform', 'dsa_notice_v1'],
    ],
  )
})

t.test('platform notices need an explanation and carry only URL items', async (t) => {
  const onTube = { country: 'US', platform: 'ExampleTube' }
  const bare = route(report([item(onTube, ILLEGAL)], { incident: { type: 'child_pornography' } }))
  t.strictSame(sent(bare), [['us-hotline', [0]]])
  t.match(bare.skipped[0]?.reason, /^Rule platform-notice: exampletube takes notices, and a notice needs the explanation .*which this report lacks$/)
  const locator = item(onTube, { ...ILLEGAL, url: undefined, locator: { type: 'username', value: '@made_up_example' } })
  const mixed = route(report([item(onTube, ILLEGAL), locator]))
  t.strictSame(sent(mixed), [
    ['us-hotline', [0, 1]],
    ['exampletube', [0]],
  ])
  t.strictSame(
    mixed.skipped.map((s) => [s.participant_id, s.items]),
    [['exampletube', [1]]],
  )
  t.match(mixed.skipped[0]?.reason, /takes notices, which carry URLs only, and this item has no URL/)
})

t.test('fallback: no rule -> the home hotline; sender is the home hotline -> it keeps it; else home police', async (t) => {
  const empty = createRouter({ rules: ruleSet([]), homeCountry: 'BE' })
  const r = report([item({ country: 'NL' }), item()])
  const decision = route(r, 'nl-hotline', { via: empty })
  t.strictSame(sent(decision), [['be-hotline', [0, 1]]])
  t.strictSame(ruleIds(decision, 'be-hotline'), ['fallback'])
  t.strictSame(sent(route(r, 'be-hotline', { via: empty })), [], 'the home hotline sent it: it holds it')
  const noHotline = changedDirectory({ 'be-hotline': null })
  const police = route(r, 'nl-hotline', { via: empty, directory: noHotline })
  t.strictSame(sent(police), [['be-police', [0, 1]]])
  t.match(police.skipped[0]?.reason, /^Rule fallback: no hotline could be chosen: the gateway's home country BE has no hotline in the directory$/)
  const urgent = route(report([item()], { urgency: { imminent_danger: true, reason: 'made-up' } }), 'nl-hotline', { via: empty })
  t.equal(urgent.destinations[0]?.urgent, true, 'the fallback is urgent when the report is')
})

t.test('fallback: configurable; when even it finds nobody the items are reported as unrouted', async (t) => {
  const custom = createRouter({
    rules: ruleSet([], { fallback: { description: 'Fallback to {destination_id}.', first_of: [{ participant: 'nl-police' }] } }),
    homeCountry: 'BE',
  })
  const decision = route(report([item()]), 'us-hotline', { via: custom })
  t.strictSame(sent(decision), [['nl-police', [0]]])
  t.equal(decision.destinations[0]?.rules[0]?.reason, 'Rule fallback: Fallback to nl-police.')
  const bare = changedDirectory({ 'be-hotline': null, 'be-police': null })
  const lost = route(report([item({ country: 'NL' }), item({ country: 'DE' })], { incident: { type: 'child_sex_tourism' } }), 'nl-hotline', {
    directory: bare,
  })
  t.strictSame(sent(lost), [])
  t.strictSame(lost.unrouted_items, [1], 'item 0 is with its sender; nobody has item 1')
  t.strictSame(skipsOf(lost), [
    ['nl-hotline', 'hosting-country-hotline'],
    ['de-hotline', 'hosting-country-hotline'],
    [undefined, 'fallback'],
    [undefined, 'fallback'],
  ])
  t.strictSame(lost.skipped[2]?.items, [1])
})

t.test('decisions record the facts and the versions they were made with', async (t) => {
  const literal = item(undefined, { url: 'http://158.64.1.1/gallery/9' })
  const decision = route(report([item({ country: 'DE' }), item({ ip: '8.8.8.8' }), item(), literal]), 'nl-hotline', {
    directory: changedDirectory({}, 7),
  })
  t.equal(decision.directory_version, 7)
  t.equal(decision.ruleset_version, 'default-2026.2')
  t.strictSame(decision.facts.items, [
    { index: 0, hosting_country: 'DE', source: 'sender', confidence: 'high' },
    { index: 1, hosting_country: 'US', source: 'hosting_ip', confidence: 'medium' },
    { index: 2, source: 'unknown', confidence: 'none' },
    { index: 3, hosting_country: 'LU', source: 'url_ip_literal', confidence: 'medium' },
  ])
  t.strictSame(
    sent(decision),
    [
      ['de-hotline', [0]],
      ['us-hotline', [1]],
      ['be-police', [3]],
      ['be-hotline', [2]],
    ],
    'and route by them',
  )
})

t.test('the same report under a changed directory routes by the directory it is given', async (t) => {
  const r = report([item({ country: 'LU' })])
  t.strictSame(sent(route(r)), [['be-police', [0]]])
  const withLuHotline = changedDirectory({
    'lu-hotline': {
      name: 'Example Hotline Luxembourg',
      kind: 'hotline',
      countries: ['LU'],
      delivery: { mode: 'pull' },
      formats: ['canonical_v1'],
      clients: ['lu'],
    },
  })
  t.strictSame(sent(route(r, 'nl-hotline', { directory: withLuHotline })), [['lu-hotline', [0]]])
  t.strictSame(sent(route(r)), [['be-police', [0]]], 'the older version still gives the older answer')
})

t.test('a router refuses a home country that is not an ISO code', async (t) => {
  t.throws(() => createRouter({ rules: POLICY, homeCountry: 'be' }), { code: 'ROUTING_CONFIG_INVALID' })
})
