import type { CanonicalReport } from '../contract/report.ts'
import { canonicalize } from '../crypto/jcs.ts'
import type { ReportFormatOf } from './report-format.ts'

/**
 * The canonical report itself (schemas/report.v1.json): read as it is (the API contract checked it
 * before intake sees it; it names its own channel), written as RFC 8785 canonical JSON, so a
 * payload's digest depends on its content only.
 */
export const JSON_REPORT: ReportFormatOf<'report'> = {
  name: 'canonical_v1',
  mediaType: 'application/json',
  read: (body) => body as CanonicalReport,
  sentTo: ['hotline', 'law_enforcement'],
  projection: 'report',
  write: canonicalize,
  urlsOnly: false,
}
