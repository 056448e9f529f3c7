import type { Channel } from '../contract/report.ts'
import type { ParticipantKind, ReportFormat } from '../directory/participant.ts'
import { CYBERTIPLINE_XML } from './cybertipline.ts'
import { DSA_NOTICE } from './dsa-notice.ts'
import { JSON_REPORT } from './json-report.ts'
import type { ReportFormatEntry } from './report-format.ts'

/**
 * Every format reports travel in, by the name the directory and handoffs use: intake reads by media
 * type, routing chooses by what a destination reads, handoffs write the payload. A new format is
 * one file here, its entry in this table, and its media type in openapi.yaml (the contract).
 */
const FORMATS: Readonly<Record<ReportFormat, ReportFormatEntry>> = {
  canonical_v1: JSON_REPORT,
  cybertipline_xml: CYBERTIPLINE_XML,
  dsa_notice_v1: DSA_NOTICE,
}

export const REPORT_FORMATS: readonly ReportFormatEntry[] = Object.values(FORMATS)

export function formatNamed(name: ReportFormat): ReportFormatEntry {
  return FORMATS[name]
}

/** The format intake reads a body of this media type (lower case, without parameters) in. */
export function formatForMediaType(mediaType: string): ReportFormatEntry | undefined {
  return REPORT_FORMATS.find((format) => format.mediaType === mediaType)
}

/** The formats a destination of this kind may be sent, in the registry's order. */
export function formatsSentTo(kind: ParticipantKind): ReportFormatEntry[] {
  return REPORT_FORMATS.filter((format) => format.sentTo.includes(kind))
}

/**
 * The channel a report read in `format` came through: foreign formats do not say, the sender's kind
 * does (web_form where the format names none for it). A canonical report names its own; read ignores this.
 */
export function channelOf(format: ReportFormatEntry, senderKind: ParticipantKind): Channel {
  return format.channel?.[senderKind] ?? 'web_form'
}

export type { ReportFormatEntry, ReportValidation, ReportValidator } from './report-format.ts'
