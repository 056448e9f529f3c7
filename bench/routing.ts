/**
 * Routing throughput: decisions per second for a realistic report against a directory of 200
 * participants and a rule set of 50 rules, beside baselines measured in the same run on the same
 * input: a no-op walk of the report, a router with no rules (hosting resolution and fallback
 * only), and the schema validation intake runs on every report anyway.
 *
 *   node --import tsx bench/routing.ts [seconds per variant, default 2]
 */
import type { Participant } from '../src/directory/participant.ts'
import type { CanonicalReport } from '../src/intake/report-types.ts'
import { validateReport } from '../src/intake/report.ts'
import { createRouter } from '../src/routing/engine.ts'
import { openGeoDatabase } from '../src/routing/hosting.ts'
import { readRoutingRules } from '../src/routing/rules-file.ts'
import { recordFigures } from './result.ts'
import type { Rule, RuleSetDocument } from '../src/routing/rules-types.ts'

const SECONDS = Number(process.argv[2] ?? 2)

const COUNTRIES = [
  'AT',
  'AU',
  'BE',
  'BG',
  'BR',
  'CA',
  'CH',
  'CO',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GB',
  'GR',
  'HR',
  'HU',
  'IE',
  'IS',
  'IT',
  'JP',
  'KR',
  'LT',
  'LU',
  'LV',
  'MT',
  'MX',
  'NL',
  'NO',
  'NZ',
  'PL',
  'PT',
  'RO',
  'RS',
  'RU',
  'SE',
  'SG',
  'SI',
  'SK',
  'TH',
  'TR',
  'TW',
  'UA',
  'US',
  'ZA',
  'PH',
  'IN',
  'AR',
  'CL',
  'PE',
  'KE',
  'NG',
]

/** 200 participants: hotline and police for most countries (a few without a hotline), platforms, auditors, operators. */
function directory200() {
  const participants: Participant[] = []
  const base = { delivery: { mode: 'pull' as const }, clients: [] as string[] }
  COUNTRIES.forEach((country, i) => {
    const cc = country.toLowerCase()
    if (i % 7 !== 3)
      participants.push({
        ...base,
        id: `${cc}-hotline`,
        name: `Hotline ${country}`,
        kind: 'hotline',
        countries: [country],
        formats: ['canonical_v1'],
        ...(i % 5 === 0 ? { incident_types: ['child_pornography', 'online_enticement'] } : {}),
      })
    participants.push({
      ...base,
      id: `${cc}-police`,
      name: `Police ${country}`,
      kind: 'law_enforcement',
      countries: [country],
      formats: ['canonical_v1', 'cybertipline_xml'],
    })
  })
  for (let i = 0; participants.length < 192; i++) {
    participants.push({
      ...base,
      id: `platform-${i}`,
      name: `Platform ${i}`,
      kind: 'platform',
      countries: [],
      services: [`Service${i}`, `service${i}.example.com`],
      accepts_notices: i % 3 !== 0,
      formats: ['dsa_notice_v1'],
    })
  }
  for (let i = 0; participants.length < 196; i++)
    participants.push({ ...base, id: `auditor-${i}`, name: `Auditor ${i}`, kind: 'auditor', countries: [], formats: ['canonical_v1'] })
  while (participants.length < 200)
    participants.push({
      ...base,
      id: `operator-${participants.length}`,
      name: 'Operators',
      kind: 'operator',
      countries: ['BE'],
      formats: ['canonical_v1'],
    })
  return { version: 1, byId: new Map(participants.map((p) => [p.id, p])) }
}

/** The six default rules plus 44 of the kinds a national policy adds: per-country police referrals, annotations, channels, labels. */
function rules50(policy: RuleSetDocument): RuleSetDocument {
  const extra: Rule[] = []
  for (const country of COUNTRIES.slice(0, 24)) {
    extra.push({
      id: `national-${country.toLowerCase()}`,
      description: 'Nationally illegal in {hosting_country}, hosted there: also reported to {destination}.',
      scope: 'item',
      when: {
        all: [
          { fact: 'item.hosting_country', equals: country },
          { fact: 'item.classification.status', equals: 'nationally_illegal' },
          { fact: 'item.classification.jurisdiction', equals: country },
        ],
      },
      then: { send_to: [{ to: 'law_enforcement', country_of: ['item.hosting_country'] }] },
    })
  }
  const annotations = [
    'sextortion',
    'sadistic_online_exploitation',
    'live_streaming',
    'physical_harm',
    'infant_toddler',
    'bestiality',
    'violence_gore',
    'minor_to_minor',
  ] as const
  for (const annotation of annotations) {
    extra.push({
      id: `annotation-${annotation.replaceAll('_', '-')}`,
      description: 'Flagged {incident_type} with a severe annotation: {destination} is told as well.',
      scope: 'report',
      when: { all: [{ fact: 'incident.annotations', contains: annotation }, { not: { fact: 'urgency.imminent_danger', equals: true } }] },
      then: { send_to: [{ to: 'law_enforcement', country_of: ['victim_country', 'home'] }] },
    })
  }
  for (const channel of ['trusted_flagger', 'law_enforcement', 'platform_escalation', 'phone_operator'] as const) {
    extra.push({
      id: `channel-${channel.replaceAll('_', '-')}`,
      description: 'Reports from this channel are copied to {destination}.',
      scope: 'report',
      when: {
        any: [
          { fact: 'channel', equals: channel },
          { fact: 'source.source_type', in: ['law_enforcement', 'trusted_flagger'] },
        ],
      },
      then: { send_to: [{ to: 'hotline', country_of: ['home'] }] },
    })
  }
  for (const label of ['live', 'school', 'grooming', 'ransom', 'archive', 'mirror', 'forum', 'cloud']) {
    extra.push({
      id: `label-${label}`,
      description: 'Labelled {hosting_country} material: {destination}.',
      scope: 'item',
      when: {
        all: [
          { fact: 'item.labels', contains: label },
          { fact: 'item.hosting_known', equals: true },
          { fact: 'item.content_type', in: ['video', 'live_stream'] },
        ],
      },
      then: { send_to: [{ to: 'law_enforcement', country_of: ['item.hosting_country', 'home'] }] },
    })
  }
  const rules = [...policy.rules, ...extra]
  if (rules.length !== 50) throw new Error(`expected 50 rules, built ${rules.length}`)
  return { ...policy, version: 'bench-50', rules }
}

/** A web-form report as hotlines see them: five items, hosting by the sender, by IP, by IP-literal URL, unknown, on a platform. */
const REPORT: CanonicalReport = {
  schema_version: '1',
  channel: 'web_form',
  source: { source_type: 'hotline', external_id: 'WF-2026-000731' },
  reporter: { anonymous: false, contact: { email: 'reporter@example.net' }, consent_to_contact: true },
  incident: { type: 'child_pornography', annotations: ['csam_solicitation'], explanation: 'Made-up bench explanation.' },
  items: [
    {
      url: 'https://example.org/board/thread/4711',
      content_type: 'image',
      hosting: { country: 'NL', platform: 'Example Board' },
      classification: { status: 'nationally_illegal', jurisdiction: 'NL' },
      labels: ['gallery'],
    },
    { url: 'https://example.org/gallery/2', content_type: 'image', hosting: { ip: '84.200.69.80' }, classification: { status: 'baseline' } },
    { url: 'http://193.0.14.129/files/3', content_type: 'video' },
    { url: 'https://example.net/comments/98765', content_type: 'comment', classification: { status: 'unassessed' } },
    {
      url: 'https://service7.example.com/v/abc',
      content_type: 'video',
      hosting: { country: 'US', platform: 'Service7' },
      classification: { status: 'baseline' },
    },
  ],
  reporter_country: 'BE',
  language: 'en',
}

/** The no-op: visit every value of the report once, the least any evaluation of it costs. */
function walk(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + walk(v), 0)
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + walk(v), 0)
  return typeof value === 'string' ? value.length : 1
}

function measure(name: string, fn: () => unknown): number {
  let sink = 0
  const run = (ms: number) => {
    const end = performance.now() + ms
    let n = 0
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) sink += fn() === undefined ? 0 : 1
      n += 100
    }
    return n
  }
  run(300) // warm-up: let the JIT settle
  const start = performance.now()
  const n = run(SECONDS * 1000)
  const rate = n / ((performance.now() - start) / 1000)
  console.log(`${name.padEnd(44)} ${Math.round(rate).toLocaleString('en').padStart(12)} /s   ${(1e6 / rate).toFixed(2).padStart(8)} µs each`)
  if (sink < 0) console.log(sink)
  return rate
}

const geo = await openGeoDatabase()
const directory = directory200()
const policy = await readRoutingRules()
const router = createRouter({ rules: rules50(policy), homeCountry: 'BE', geo })
const bare = createRouter({ rules: { ...policy, version: 'bench-0', rules: [] }, homeCountry: 'BE', geo })
const sender = directory.byId.get('be-hotline')!
const input = { directory, sender }

const sample = router.route(REPORT, input)
console.log(`directory: ${directory.byId.size} participants; rules: 50; report: ${REPORT.items.length} items`)
console.log(`decision: ${sample.destinations.map((d) => `${d.participant_id}[${d.items.join(',')}]`).join(' ')}; ${sample.skipped.length} skipped`)
console.log(`node ${process.version}, ${SECONDS} s per variant\n`)

const noop = measure('no-op walk of the report', () => walk(REPORT))
const empty = measure('router with no rules (hosting + fallback)', () => bare.route(REPORT, input))
const routed = measure('router, 200 participants, 50 rules', () => router.route(REPORT, input))
const validation = measure('schema validation of the report (intake)', () => validateReport(REPORT).ok || undefined)

console.log(`\nrouting / no-op walk:       ${(routed / noop).toFixed(3)} (routing takes ${(noop / routed).toFixed(1)}x the walk's time)`)
console.log(`routing / no-rule router:   ${(routed / empty).toFixed(3)}`)
console.log(`routing / schema validation: ${(routed / validation).toFixed(3)} (above 1: routing is cheaper than validating)`)
recordFigures([
  {
    figure: 'routing decisions (200 participants, 50 rules)',
    value: routed,
    baseline: 'schema validation of the report',
    baselineValue: validation,
    unit: '/s',
  },
  { figure: 'routing decisions (200 participants, 50 rules)', value: routed, baseline: 'no-op walk of the report', baselineValue: noop, unit: '/s' },
])
