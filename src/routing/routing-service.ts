import type pg from 'pg'
import type { DirectoryVersion } from '../directory/directory-service.ts'
import type { Participant } from '../directory/participant.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { createVersionedStore, type StoredVersion } from '../state/versioned-store.ts'
import { checkRuleSet } from './compile.ts'
import type { RoutingDecision } from './decision.ts'
import { createRouter, type Router } from './engine.ts'
import { openGeoDatabase } from './hosting.ts'
import { readRoutingRules } from './rules-file.ts'
import type { RuleSetDocument } from './rules-types.ts'

export interface RuleSetVersion extends StoredVersion<RuleSetDocument> {
  router: Router
}

export interface RuleSetDiff {
  label: { from: string | null; to: string }
  /** The fallback or the description changed. */
  other_changed: boolean
  added: string[]
  removed: string[]
  changed: string[]
}

export interface Routed {
  decision: RoutingDecision
  /** The stored rule-set version (the decision itself carries the rule set's own label). */
  rulesetVersion: number
}

const NO_RULES: RuleSetDocument = { schema_version: '1', version: 'none', rules: [] }

export type RoutingService = Awaited<ReturnType<typeof createRoutingService>>

export interface RoutingServiceOptions {
  pool: pg.Pool
  homeCountry: string
  /** The IP-to-country database (mmdb); opened once. */
  geoPath: string
  cacheMs: number
}

/**
 * Routing rule sets, versioned like the directory, each compiled once into a router. When no rule
 * set was ever published, the shipped default policy (policy/routing-rules.yaml) is published first,
 * as any other version, with its audit entry.
 */
export async function createRoutingService({ pool, homeCountry, geoPath, cacheMs }: RoutingServiceOptions) {
  const geo = await openGeoDatabase(geoPath)
  const rulesets = createVersionedStore<RuleSetDocument, RuleSetDiff, RuleSetVersion>({
    pool,
    table: 'routing_rulesets',
    lock: 7_212_410_004,
    cacheMs,
    auditType: 'routing.ruleset_published',
    empty: NO_RULES,
    check: (document) => checkRuleSet(document).map((p) => ({ in: 'body' as const, ...p })),
    diff: diffRuleSets,
    isEmpty: (d) => d.label.from === d.label.to && !d.other_changed && d.added.length + d.removed.length + d.changed.length === 0,
    hydrate: (stored) => ({ ...stored, router: createRouter({ rules: stored.document, homeCountry, geo }) }),
  })

  async function inForce(): Promise<RuleSetVersion> {
    const current = await rulesets.current()
    if (current) return current
    // another process may publish first: then `base` is its version and this is a no-op
    await rulesets.update((base) => (base === NO_RULES ? defaultPolicy : base), { actor: 'default-policy' })
    return (await rulesets.current())!
  }
  const defaultPolicy = await readRoutingRules()

  /** Decides where a report goes, with the rule set in force and the caller's directory version. */
  async function decide(report: CanonicalReport, sender: Participant, directory: DirectoryVersion): Promise<Routed> {
    const ruleset = await inForce()
    return { decision: ruleset.router.route(report, { directory, sender }), rulesetVersion: ruleset.version }
  }

  /** Replays a decision with the versions it recorded: the same inputs give the same decision. */
  async function replay(
    report: CanonicalReport,
    sender: Participant,
    directory: DirectoryVersion,
    rulesetVersion: number,
  ): Promise<RoutingDecision | undefined> {
    const ruleset = await rulesets.atVersion(rulesetVersion)
    return ruleset?.router.route(report, { directory, sender })
  }

  return { ...rulesets, inForce, decide, replay }
}

function diffRuleSets(before: RuleSetDocument | undefined, after: RuleSetDocument): RuleSetDiff {
  const old = new Map((before?.rules ?? []).map((r) => [r.id, JSON.stringify(r)]))
  const next = new Map(after.rules.map((r) => [r.id, JSON.stringify(r)]))
  return {
    label: { from: before?.version ?? null, to: after.version },
    other_changed: JSON.stringify([before?.fallback, before?.description]) !== JSON.stringify([after.fallback, after.description]),
    added: [...next.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !next.has(id)),
    changed: [...next.keys()].filter((id) => old.has(id) && old.get(id) !== next.get(id)),
  }
}
