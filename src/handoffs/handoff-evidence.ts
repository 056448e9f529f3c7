import type { JWK } from 'jose'
import type { EvidenceBundle } from '../audit/evidence.ts'

export const HANDOFF_EVIDENCE_FORMAT = 'hotline-gateway/handoff-evidence/v1'

/** schemas/handoff-evidence.json: one handoff, proven offline. */
export interface HandoffEvidence {
  format: typeof HANDOFF_EVIDENCE_FORMAT
  handoff: {
    id: string
    case_id: string
    report_id: string
    sender: string
    destination: string
    format: string
    urgent: boolean
    receipts_purged_at?: string
  }
  manifest: string
  receipt: string | null
  statuses: string[]
  keys: { gateway: JWK[]; destination: JWK[] }
  audit: EvidenceBundle
}
