import type { Participant, ParticipantKind, ReportFormat } from '../directory/participant.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { formatNamed, formatsSentTo } from '../formats/registry.ts'

/** The kinds a report is handed to; auditors and the gateway's operators read, they are not destinations. */
export type DestinationKind = Extract<ParticipantKind, 'hotline' | 'law_enforcement' | 'platform'>

const KIND_WORDS: Record<DestinationKind, string> = { hotline: 'hotline', law_enforcement: 'law-enforcement contact', platform: 'platform' }

export type Verdict =
  | { ok: true; kind: DestinationKind; format: ReportFormat; urlsOnly: boolean }
  /** `holds`: the participant has the case already (it sent it, or it was handed it), so the material is not left with nobody. */
  | { ok: false; reason: string; holds: boolean }

/**
 * Whether a participant may receive this report, in the order the checks matter: never back to
 * the sender, never twice, only to kinds that take reports, only incident types it takes, only in
 * a format it reads and that can carry the report.
 */
export function judge(participant: Participant, report: CanonicalReport, sender: Participant, handed: ReadonlySet<string>): Verdict {
  const id = participant.id
  if (id === sender.id) return { ok: false, holds: true, reason: `${id} sent this report, and routing never sends a report back to its sender` }
  if (handed.has(id)) {
    return { ok: false, holds: true, reason: `${id} already received this case: the report is added to the case, not sent again` }
  }
  const kind = participant.kind
  if (kind !== 'hotline' && kind !== 'law_enforcement' && kind !== 'platform') {
    return { ok: false, holds: false, reason: `${id} is an ${kind}: only hotlines, law-enforcement contacts and platforms receive reports` }
  }
  const type = report.incident.type
  if (participant.incident_types !== undefined && !participant.incident_types.includes(type)) {
    return { ok: false, holds: false, reason: `${id} does not take reports of type ${type}` }
  }
  // what each kind can be sent is the formats' business (src/formats/); the participant's own list says which it prefers
  const format = participant.formats.map(formatNamed).find((f) => f.sentTo.includes(kind))
  if (format === undefined) {
    const sendable = formatsSentTo(kind).map((f) => f.name)
    return { ok: false, holds: false, reason: `${id} reads none of the formats a ${KIND_WORDS[kind]} can be sent (${sendable.join(', ')})` }
  }
  const unfit = format.unfit?.(report)
  if (unfit !== undefined) return { ok: false, holds: false, reason: `${id} ${unfit}` }
  return { ok: true, kind, format: format.name, urlsOnly: format.urlsOnly }
}

export function urlOnlyReason(id: string): string {
  return `${id} takes notices, which carry URLs only, and this item has no URL`
}
