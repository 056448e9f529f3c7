import type { Participant, ReportFormat } from '../directory/participant.ts'
import type { ItemContext, RouteContext } from './context.ts'
import { judge, urlOnlyReason, type DestinationKind, type Verdict } from './eligibility.ts'
import type { HostingConfidence, HostingSource } from './hosting.ts'
import type { Selection } from './selectors.ts'
import type { ReasonValues, Template } from './templates.ts'

export interface RuleReason {
  rule_id: string
  /** Plain language, naming the rule: `Rule hosting-country-hotline: …`. */
  reason: string
}

interface Destination {
  participant_id: string
  kind: DestinationKind
  format: ReportFormat
  /** Send at once, through the urgent contact where the participant has one. */
  urgent: boolean
  rules: RuleReason[]
  /** Indexes into report.items, ascending: what this destination is sent (see project's `items`). */
  items: number[]
}

export interface Skip {
  participant_id?: string
  rule_id: string
  reason: string
  /** The items concerned, for item rules; absent when the rule was about the whole report. */
  items?: number[]
  /** The skipped rule was urgent: a case holder skipped as "already handed" may need telling. */
  urgent?: true
}

interface ItemFacts {
  index: number
  hosting_country?: string
  source: HostingSource
  confidence: HostingConfidence
}

export interface RoutingDecision {
  destinations: Destination[]
  skipped: Skip[]
  /** Items nobody has or receives, not even through the fallback: the operators must act. Normally empty. */
  unrouted_items: number[]
  facts: { items: ItemFacts[] }
  directory_version: number
  ruleset_version: string
}

/** What one rule offers: its id, whether urgent, how to word its reason. */
export interface Offer {
  id: string
  urgent: boolean
  reason: Template
}

interface Pending {
  destination: Destination
  items: Set<number>
  reasons: Set<string>
}

/**
 * Collects one decision: one entry per participant (rules and items merged), skips merged by
 * participant, rule and reason, in the order they first happen, so equal inputs give equal output.
 */
export class DecisionBuilder {
  private readonly destinations = new Map<string, Pending>()
  private readonly skips = new Map<string, { skip: Skip; items: Set<number> | undefined }>()
  private readonly verdicts = new Map<string, Verdict>()
  /** 1 when the item is with somebody: a destination, its sender, or a participant that already has the case. */
  private readonly covered: Uint8Array
  private readonly all: readonly number[]

  constructor(
    private readonly route: RouteContext,
    private readonly handed: ReadonlySet<string>,
  ) {
    this.covered = new Uint8Array(route.report.items.length)
    this.all = route.report.items.map((_, i) => i)
  }

  /**
   * `item`: the item an item rule matched. Without it the offer is about the whole report, or
   * about `items` only (the fallback offers the items nobody else took).
   */
  offer(rule: Offer, selection: Selection, item: ItemContext | undefined, items?: readonly number[]): void {
    const named = item ? [item.index] : items
    const concerned = named ?? this.all
    const participant = selection.participant
    if (participant === undefined) return this.skip(undefined, rule, selection.missing ?? 'nobody could be chosen', named)
    const verdict = this.verdict(participant)
    if (!verdict.ok) {
      if (verdict.holds) this.cover(concerned)
      return this.skip(participant.id, rule, verdict.reason, named)
    }
    let sent = concerned
    if (verdict.urlsOnly) {
      sent = concerned.filter((i) => this.route.report.items[i]?.url !== undefined)
      const left = concerned.filter((i) => this.route.report.items[i]?.url === undefined)
      if (left.length > 0) this.skip(participant.id, rule, urlOnlyReason(participant.id), left)
      if (sent.length === 0) return
    }
    const pending = this.pending(participant, verdict)
    pending.destination.urgent ||= rule.urgent
    const text = `Rule ${rule.id}: ${rule.reason(this.values(participant, selection, item))}`
    const key = `${rule.id}\u0000${text}`
    if (!pending.reasons.has(key)) {
      pending.reasons.add(key)
      pending.destination.rules.push({ rule_id: rule.id, reason: text })
    }
    for (const i of sent) pending.items.add(i)
    this.cover(sent)
  }

  uncovered(): number[] {
    return this.all.filter((i) => this.covered[i] === 0)
  }

  finish(facts: readonly ItemContext[], directoryVersion: number, rulesetVersion: string): RoutingDecision {
    const destinations = [...this.destinations.values()].map(({ destination, items }) => ({
      ...destination,
      items: [...items].sort((a, b) => a - b),
    }))
    const skipped = [...this.skips.values()].map(({ skip, items }) => (items ? { ...skip, items: [...items].sort((a, b) => a - b) } : skip))
    return {
      destinations,
      skipped,
      unrouted_items: this.uncovered(),
      facts: { items: facts.map(itemFacts) },
      directory_version: directoryVersion,
      ruleset_version: rulesetVersion,
    }
  }

  private verdict(participant: Participant): Verdict {
    let verdict = this.verdicts.get(participant.id)
    if (verdict === undefined) {
      verdict = judge(participant, this.route.report, this.route.sender, this.handed)
      this.verdicts.set(participant.id, verdict)
    }
    return verdict
  }

  private pending(participant: Participant, verdict: Verdict & { ok: true }): Pending {
    let pending = this.destinations.get(participant.id)
    if (pending === undefined) {
      pending = {
        destination: { participant_id: participant.id, kind: verdict.kind, format: verdict.format, urgent: false, rules: [], items: [] },
        items: new Set(),
        reasons: new Set(),
      }
      this.destinations.set(participant.id, pending)
    }
    return pending
  }

  private cover(items: readonly number[]): void {
    for (const i of items) this.covered[i] = 1
  }

  private skip(participantId: string | undefined, rule: Offer, reason: string, items: readonly number[] | undefined): void {
    const text = `Rule ${rule.id}: ${reason}`
    const key = `${participantId ?? ''}\u0000${rule.id}\u0000${text}`
    let entry = this.skips.get(key)
    if (entry === undefined) {
      const skip: Skip =
        participantId === undefined ? { rule_id: rule.id, reason: text } : { participant_id: participantId, rule_id: rule.id, reason: text }
      if (rule.urgent) skip.urgent = true
      entry = { skip, items: items ? new Set() : undefined }
      this.skips.set(key, entry)
    }
    if (items && entry.items) for (const i of items) entry.items.add(i)
  }

  private values(participant: Participant, selection: Selection, item: ItemContext | undefined): ReasonValues {
    return {
      destination: participant.name,
      destination_id: participant.id,
      country: selection.country,
      country_basis: selection.basis,
      incident_type: this.route.report.incident.type,
      home_country: this.route.home,
      hosting_country: item?.hosting.country,
      hosting_source: item?.hosting.source,
      platform: item?.item.hosting?.platform,
    }
  }
}

function itemFacts(item: ItemContext): ItemFacts {
  const { country, source, confidence } = item.hosting
  return country === undefined ? { index: item.index, source, confidence } : { index: item.index, hosting_country: country, source, confidence }
}
