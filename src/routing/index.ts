/**
 * Routing (issue 5): where a report goes and why, as pure functions over the report, a directory
 * version and a rule set. No database, file or network access after construction.
 */
export { createRouter, type Router, type RouterOptions, type RouteInput } from './engine.ts'
export type { Destination, ItemFacts, RoutingDecision, RuleReason, Skip } from './decision.ts'
export type { RoutingDirectory } from './context.ts'
export type { DestinationKind } from './eligibility.ts'
export { compileRuleSet, checkRuleSet, DEFAULT_FALLBACK, FALLBACK_RULE_ID } from './compile.ts'
export { readRoutingRules, DEFAULT_POLICY, ROUTING_RULES_SCHEMA_ID } from './rules-file.ts'
export type { Condition, CountryRef, Fallback, Rule, RuleSetDocument, Selector } from './rules-types.ts'
export { FACT_NAMES, type FactName } from './facts.ts'
export {
  BUNDLED_GEOIP_DB,
  openGeoDatabase,
  resolveHosting,
  type GeoLookup,
  type HostingConfidence,
  type HostingFact,
  type HostingSource,
} from './hosting.ts'
export { project, sharesContact, type PlatformNoticeContent, type ProjectOptions } from './projection.ts'
export { GeoDatabaseError, ProjectionError, RouterConfigError, RoutingRulesError, type RuleProblem } from './errors.ts'
