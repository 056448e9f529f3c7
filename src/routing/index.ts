/**
 * Routing (issue 5): where a report goes and why, as pure functions over the report, a directory
 * version and a rule set. No database, file or network access after construction.
 */
export type { RuleReason } from './decision.ts'
export type { DestinationKind } from './eligibility.ts'
export { project, sharesContact } from './projection.ts'
