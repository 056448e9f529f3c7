import { canonicalize } from '../crypto/jcs.ts'
import type { ReportFormat } from '../directory/participant.ts'
import { toCyberTiplineXml } from '../intake/formats/cybertipline.ts'
import { DSA_NOTICE_MEDIA_TYPE, toPlatformNotice } from '../intake/formats/dsa-notice.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { project, type DestinationKind } from '../routing/index.ts'

export interface Payload {
  text: string
  mediaType: string
}

/**
 * What one destination is sent: its kind's projection of the report (only its items), in the format
 * routing chose for it. JSON is RFC 8785 canonical, so its digest depends on content only.
 * Throws FormatError when the report cannot be said in that format.
 */
export function buildPayload(report: CanonicalReport, kind: DestinationKind, format: ReportFormat, items: number[]): Payload {
  if (kind === 'platform') return { text: canonicalize(toPlatformNotice(project(report, 'platform', { items }))), mediaType: DSA_NOTICE_MEDIA_TYPE }
  const projected = project(report, kind, { items })
  if (format === 'cybertipline_xml') return { text: toCyberTiplineXml(projected), mediaType: 'application/xml' }
  return { text: canonicalize(projected), mediaType: 'application/json' }
}
