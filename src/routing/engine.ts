import type { Participant } from '../directory/participant.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { compileRuleSet, FALLBACK_RULE_ID, type CompiledRuleSet } from './compile.ts'
import { indexDirectory, NO_ITEM, participantsOf, serviceKey, type ItemContext, type RouteContext, type RoutingDirectory } from './context.ts'
import { DecisionBuilder, type RoutingDecision } from './decision.ts'
import { RouterConfigError } from './errors.ts'
import { resolveHosting, type GeoLookup } from './hosting.ts'
import type { RuleSetDocument } from './rules-types.ts'

export interface RouterOptions {
  /** A rule set that passed schemas/routing-rules.v1.json (readRoutingRules does both). */
  rules: RuleSetDocument
  /** GATEWAY_HOME_COUNTRY. */
  homeCountry: string
  /** The IP-to-country database; without it only the sender's hosting.country is used. */
  geo?: GeoLookup
}

interface RouteInput {
  directory: RoutingDirectory
  /** The participant that sent the report: never a destination. */
  sender: Participant
  /** Participants that already received this case (a duplicate report): skipped, never sent again. */
  alreadyHandedTo?: ReadonlySet<string>
}

export interface Router {
  readonly rulesetVersion: string
  route(report: CanonicalReport, input: RouteInput): RoutingDecision
}

const NOBODY: ReadonlySet<string> = new Set()

/**
 * Builds a router: the rule set is compiled here, once (RoutingRulesError if it cannot be used).
 * `route` is then synchronous and touches no database, file or network: the same report,
 * directory version, rule set and database file give the same decision, which is what makes a
 * stored decision reproducible from its recorded versions.
 */
export function createRouter({ rules, homeCountry, geo }: RouterOptions): Router {
  if (!/^[A-Z]{2}$/.test(homeCountry)) throw new RouterConfigError(`the home country must be an ISO 3166-1 alpha-2 code, not "${homeCountry}"`)
  const compiled = compileRuleSet(rules)
  return {
    rulesetVersion: compiled.version,
    route(report, { directory, sender, alreadyHandedTo = NOBODY }) {
      const context: RouteContext = { report, sender, home: homeCountry, directory: indexDirectory(directory) }
      const items = report.items.map((item, index) => itemContext(context, item, index, geo))
      const decision = new DecisionBuilder(context, alreadyHandedTo)
      evaluate(compiled, context, items, decision)
      fallBack(compiled, context, decision)
      return decision.finish(items, directory.version, compiled.version)
    },
  }
}

function itemContext(route: RouteContext, item: CanonicalReport['items'][number], index: number, geo: GeoLookup | undefined): ItemContext {
  const hosting = resolveHosting(item, geo)
  const platform = item.hosting?.platform
  return {
    index,
    item,
    hosting,
    hotlines: participantsOf(route.directory, 'hotline', hosting.country),
    lawEnforcement: participantsOf(route.directory, 'law_enforcement', hosting.country),
    platform: platform === undefined ? undefined : route.directory.platformByService.get(serviceKey(platform)),
  }
}

/** Rules in order; an item rule runs once per item. `stop` ends the rules for the item (item rule) or for the report. */
function evaluate(compiled: CompiledRuleSet, route: RouteContext, items: readonly ItemContext[], decision: DecisionBuilder): void {
  const stopped = new Uint8Array(items.length)
  for (const rule of compiled.rules) {
    if (rule.scope === 'report') {
      if (!rule.test(route, NO_ITEM)) continue
      for (const select of rule.send) decision.offer(rule, select(route, NO_ITEM), undefined)
      if (rule.stop) return
      continue
    }
    for (const item of items) {
      if (stopped[item.index] === 1 || !rule.test(route, item)) continue
      for (const select of rule.send) decision.offer(rule, select(route, item), item)
      if (rule.stop) stopped[item.index] = 1
    }
  }
}

/**
 * Never nobody: items that no rule placed with anyone go to the first fallback contact that can
 * take them. Urgent when the report is, so a policy without an urgent rule still alerts.
 */
function fallBack(compiled: CompiledRuleSet, route: RouteContext, decision: DecisionBuilder): void {
  const offer = { id: FALLBACK_RULE_ID, urgent: route.report.urgency?.imminent_danger === true, reason: compiled.fallback.reason }
  for (const select of compiled.fallback.firstOf) {
    const left = decision.uncovered()
    if (left.length === 0) return
    decision.offer(offer, select(route, NO_ITEM), undefined, left)
  }
}
