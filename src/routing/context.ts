import type { DirectoryVersion } from '../directory/directory-service.ts'
import type { Participant, ParticipantKind } from '../directory/participant.ts'
import type { CanonicalReport, ReportItem } from '../contract/report.ts'
import type { HostingFact } from './hosting.ts'

/** What routing needs of a directory version; a DirectoryVersion is one. */
export type RoutingDirectory = Pick<DirectoryVersion, 'version' | 'byId'>

/** The directory seen the way routing asks it: by kind and country, and platforms by service name. */
export interface DirectoryIndex {
  byId: ReadonlyMap<string, Participant>
  /** kind -> country -> participants, in directory order. */
  byKindAndCountry: ReadonlyMap<ParticipantKind, ReadonlyMap<string, readonly Participant[]>>
  /** Keyed by the lower-cased, trimmed service name: reports spell services loosely. */
  platformByService: ReadonlyMap<string, Participant>
}

/** Everything a report-scoped fact or selector may read, built once per decision. */
export interface RouteContext {
  report: CanonicalReport
  sender: Participant
  home: string
  directory: DirectoryIndex
}

/** The resolved facts of one item, built once per decision. */
export interface ItemContext {
  index: number
  item: ReportItem
  hosting: HostingFact
  /** Hotlines and law-enforcement contacts serving the hosting country (empty when unknown). */
  hotlines: readonly Participant[]
  lawEnforcement: readonly Participant[]
  /** The platform participant operating the service named on the item, if the directory has one. */
  platform: Participant | undefined
}

const NONE: readonly Participant[] = Object.freeze([])

export function participantsOf(directory: DirectoryIndex, kind: ParticipantKind, country: string | undefined): readonly Participant[] {
  return country === undefined ? NONE : (directory.byKindAndCountry.get(kind)?.get(country) ?? NONE)
}

export function serviceKey(name: string): string {
  return name.trim().toLowerCase()
}

// Keyed on the byId map, which a directory version never replaces: one index per version per process.
const indexes = new WeakMap<ReadonlyMap<string, Participant>, DirectoryIndex>()

export function indexDirectory(directory: RoutingDirectory): DirectoryIndex {
  const known = indexes.get(directory.byId)
  if (known) return known
  const byKindAndCountry = new Map<ParticipantKind, Map<string, Participant[]>>()
  const platformByService = new Map<string, Participant>()
  // byId keeps the directory's order: the first participant listed wins every tie, reproducibly
  for (const participant of directory.byId.values()) {
    let byCountry = byKindAndCountry.get(participant.kind)
    if (!byCountry) byKindAndCountry.set(participant.kind, (byCountry = new Map()))
    for (const country of participant.countries) {
      const list = byCountry.get(country)
      if (list) list.push(participant)
      else byCountry.set(country, [participant])
    }
    if (participant.kind !== 'platform') continue
    for (const service of participant.services ?? []) {
      const key = serviceKey(service)
      if (!platformByService.has(key)) platformByService.set(key, participant)
    }
  }
  const index: DirectoryIndex = { byId: directory.byId, byKindAndCountry, platformByService }
  indexes.set(directory.byId, index)
  return index
}

/**
 * Stands for "no item" while a report-scoped rule is evaluated. Compilation keeps item facts and
 * selectors out of report rules, so nothing reads it; if something did, it would see an unknown host.
 */
export const NO_ITEM: ItemContext = Object.freeze({
  index: -1,
  item: Object.freeze({ url: '' }),
  hosting: Object.freeze({ source: 'unknown' as const, confidence: 'none' as const }),
  hotlines: NONE,
  lawEnforcement: NONE,
  platform: undefined,
})
