import type { Participant } from '../directory/participant.ts'
import { participantsOf, type ItemContext, type RouteContext } from './context.ts'
import type { RuleProblem } from './errors.ts'
import type { CountryRef, Selector } from './rules-types.ts'

/**
 * Who a rule sends to. A selector picks at most one participant; the engine then decides whether
 * it may receive the report (sender, already handed, incident type, format).
 */
export interface Selection {
  participant?: Participant
  /** The country the participant was chosen for, and in words why that country. */
  country?: string
  basis?: string
  /** Why nobody was chosen, when nobody was. */
  missing?: string
}

export type CompiledSelector = (route: RouteContext, item: ItemContext) => Selection

const COUNTRY_REFS: Record<string, { phrase: string; scope: 'report' | 'item'; get(r: RouteContext, i: ItemContext): string | undefined }> = {
  home: { phrase: "the gateway's home country", scope: 'report', get: (r) => r.home },
  victim_country: { phrase: "the victim's country", scope: 'report', get: (r) => r.report.victim_country },
  reporter_country: { phrase: "the reporter's country", scope: 'report', get: (r) => r.report.reporter_country },
  'item.hosting_country': { phrase: 'the hosting country', scope: 'item', get: (_, i) => i.hosting.country },
}

const KIND_WORDS = { hotline: 'hotline', law_enforcement: 'law-enforcement contact' } as const

export function compileSelector(selector: Selector, at: string, scope: 'report' | 'item', problems: RuleProblem[]): CompiledSelector {
  if ('participant' in selector) {
    const id = selector.participant
    return (route) => {
      const participant = route.directory.byId.get(id)
      return participant ? { participant } : { missing: `participant ${id} is not in the directory` }
    }
  }
  if (selector.to === 'platform') {
    if (scope === 'report')
      problems.push({ pointer: `${at}/operating`, message: 'the platform of an item is known only in a rule with scope "item"' })
    return (_, item) => {
      const name = item.item.hosting?.platform
      if (item.platform) return { participant: item.platform }
      return { missing: name === undefined ? 'the item names no platform' : `no platform in the directory operates ${name}` }
    }
  }
  const kind = selector.to
  const refs = selector.country_of.map((ref, k) => countryRef(ref, `${at}/country_of/${k}`, scope, problems))
  return (route, item) => {
    const passed: string[] = []
    for (const ref of refs) {
      const country = ref.get(route, item)
      if (country === undefined) {
        passed.push(`${ref.phrase} is not known`)
        continue
      }
      const candidates = participantsOf(route.directory, kind, country)
      if (candidates.length === 0) {
        passed.push(`${ref.phrase} ${country} has no ${KIND_WORDS[kind]} in the directory`)
        continue
      }
      // Several contacts may serve one country: the first listed that takes this incident type
      const type = route.report.incident.type
      const participant = candidates.find((p) => p.incident_types === undefined || p.incident_types.includes(type)) ?? candidates[0]
      const basis = passed.length === 0 ? ref.phrase : `${ref.phrase}, as ${passed.join(' and ')}`
      return { participant, country, basis }
    }
    return { missing: `no ${KIND_WORDS[kind]} could be chosen: ${passed.join('; ')}` }
  }
}

function countryRef(ref: CountryRef, at: string, scope: 'report' | 'item', problems: RuleProblem[]) {
  const known = COUNTRY_REFS[ref]
  if (known) {
    if (known.scope === 'item' && scope === 'report') {
      problems.push({ pointer: at, message: `"${ref}" is known only in a rule with scope "item"` })
    }
    return known
  }
  if (!/^[A-Z]{2}$/.test(ref)) {
    problems.push({ pointer: at, message: `"${ref}" is neither a country code nor one of ${Object.keys(COUNTRY_REFS).join(', ')}` })
  }
  return { phrase: 'the country named by the rule', scope: 'report' as const, get: () => ref }
}
