import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import type { Participant } from '../../src/directory/participant.ts'
import type { CanonicalReport, ReportItem } from '../../src/intake/report-types.ts'
import type { RoutingDirectory } from '../../src/routing/context.ts'
import type { RoutingDecision } from '../../src/routing/decision.ts'
import type { RuleSetDocument } from '../../src/routing/rules-types.ts'

/** The example directory, read and checked the way the CLI reads it. */
const EXAMPLE = await readDirectoryFile(EXAMPLE_DIRECTORY)

/** A DirectoryVersion-like view of a participant list: what routing needs of a version. */
function directoryOf(participants: Participant[], version = 1): RoutingDirectory {
  return { version, byId: new Map(participants.map((p) => [p.id, p])) }
}

export const DIRECTORY = directoryOf(EXAMPLE.participants)

export function participant(id: string, directory: RoutingDirectory = DIRECTORY): Participant {
  const found = directory.byId.get(id)
  if (!found) throw new Error(`no participant ${id} in the test directory`)
  return found
}

/** The example directory with some participants changed, added (by a new id) or removed (`null`). */
export function changedDirectory(changes: Record<string, Partial<Participant> | null>, version = 2): RoutingDirectory {
  const participants: Participant[] = []
  for (const p of structuredClone(EXAMPLE.participants)) {
    const change = changes[p.id]
    if (change === null) continue
    participants.push(change ? ({ ...p, ...change } as Participant) : p)
  }
  for (const [id, change] of Object.entries(changes)) {
    if (change && !EXAMPLE.participants.some((p) => p.id === id)) participants.push({ id, ...change } as Participant)
  }
  return directoryOf(participants, version)
}

/** A minimal valid report (example.org URLs, made-up hashes); `patch` replaces top-level fields. */
export function report(items: ReportItem[], patch: Partial<CanonicalReport> = {}): CanonicalReport {
  return {
    schema_version: '1',
    channel: 'web_form',
    source: { source_type: 'hotline' },
    reporter: { anonymous: true },
    incident: { type: 'child_pornography', explanation: 'Sexualised images of prepubescent children (made-up test text).' },
    items,
    ...patch,
  }
}

let counter = 0

/** A URL item hosted as given; each gets its own example.org path. */
export function item(hosting?: ReportItem['hosting'], extra: Partial<ReportItem> = {}): ReportItem {
  counter += 1
  return { url: `https://example.org/gallery/${counter}`, ...(hosting ? { hosting } : {}), ...extra } as ReportItem
}

export const ILLEGAL = { classification: { status: 'baseline' as const, classified_by: 'analyst-1' } }

/** `participant_id -> items`, in decision order: the compact shape most assertions need. */
export function sent(decision: RoutingDecision): Array<[string, number[]]> {
  return decision.destinations.map((d) => [d.participant_id, d.items])
}

export function ruleIds(decision: RoutingDecision, id: string): string[] {
  return decision.destinations.find((d) => d.participant_id === id)?.rules.map((r) => r.rule_id) ?? []
}

export function skipsOf(decision: RoutingDecision): Array<[string | undefined, string]> {
  return decision.skipped.map((s) => [s.participant_id, s.rule_id])
}

/** A rule set of the given rules, with the default fallback unless one is given. */
export function ruleSet(rules: RuleSetDocument['rules'], extra: Partial<RuleSetDocument> = {}): RuleSetDocument {
  return { schema_version: '1', version: 'test-1', rules, ...extra }
}
