import type { Participant, ParticipantKind, ReportFormat } from '../directory/participant.ts'
import type { CanonicalReport } from '../contract/report.ts'

/** The kinds a report is handed to; auditors and the gateway's operators read, they are not destinations. */
export type DestinationKind = Extract<ParticipantKind, 'hotline' | 'law_enforcement' | 'platform'>

/** What each kind can be sent, in no order: the participant's own list says which it prefers. */
const FORMATS_FOR: Record<DestinationKind, readonly ReportFormat[]> = {
  hotline: ['canonical_v1', 'cybertipline_xml'],
  law_enforcement: ['canonical_v1', 'cybertipline_xml'],
  platform: ['dsa_notice_v1'],
}

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
  const format = participant.formats.find((f) => FORMATS_FOR[kind].includes(f))
  if (format === undefined) {
    return { ok: false, holds: false, reason: `${id} reads none of the formats a ${KIND_WORDS[kind]} can be sent (${FORMATS_FOR[kind].join(', ')})` }
  }
  if (format === 'dsa_notice_v1' && report.incident.explanation === undefined) {
    return {
      ok: false,
      holds: false,
      reason: `${id} takes notices, and a notice needs the explanation of why the material is illegal (DSA Art. 16(2)(a)), which this report lacks`,
    }
  }
  return { ok: true, kind, format, urlsOnly: format === 'dsa_notice_v1' }
}

export function urlOnlyReason(id: string): string {
  return `${id} takes notices, which carry URLs only, and this item has no URL`
}
