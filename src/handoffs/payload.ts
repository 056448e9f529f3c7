import type { ReportFormat } from '../directory/participant.ts'
import { formatNamed } from '../formats/registry.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { project, type DestinationKind } from '../routing/index.ts'

export interface Payload {
  text: string
  mediaType: string
}

/**
 * What one destination is sent: its kind's projection of the report (only its items), written in the
 * format routing chose for it (src/formats/). Throws FormatError when the report cannot be said in it.
 */
export function buildPayload(report: CanonicalReport, kind: DestinationKind, format: ReportFormat, items: number[]): Payload {
  const entry = formatNamed(format)
  if (entry.projection === 'notice') return { text: entry.write(project(report, 'platform', { items })), mediaType: entry.mediaType }
  // routing sends a platform notices only (src/routing/eligibility.ts)
  if (kind === 'platform') throw new Error(`a platform is sent notices, not ${format}`)
  return { text: entry.write(project(report, kind, { items })), mediaType: entry.mediaType }
}
