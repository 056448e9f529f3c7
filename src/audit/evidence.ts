import { AuditError } from './audit-error.ts'
import { decodeBase64Std } from '../tlog/encoding.ts'
import { leafBytes, type PresentedEntry } from './entry-format.ts'
import { verifyWitnessedCheckpoint, type WitnessedCheckpoint, type WitnessPolicy } from '../notes/cosignature.ts'
import { checkRecord, recordHash, type Hash } from '../tlog/tlog.ts'

/**
 * An evidence bundle proves, offline, that some entries are in the log: the signed checkpoint (with
 * whatever witness cosignatures it carries), and for each entry its exact bytes and an RFC 9162
 * inclusion proof against that checkpoint. Handoff evidence will wrap one of these beside the
 * manifest and receipt JWS whose digests the entries name.
 */
export const EVIDENCE_FORMAT = 'hotline-gateway/audit-evidence/v1'

interface EvidenceEntry extends PresentedEntry {
  /** base64 hashes, leaf side first (RFC 9162 order) */
  inclusion_proof: string[]
}

export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT
  checkpoint: string
  entries: EvidenceEntry[]
}

export interface VerifiedEvidence {
  checkpoint: WitnessedCheckpoint
  entries: Array<{ index: number; entry: PresentedEntry['entry'] }>
}

/**
 * Checks a bundle against the log's key (and witness policy): the checkpoint's signatures, then each
 * entry's inclusion in the checkpoint's tree. Throws AuditError AUDIT_VERIFY_FAILED naming the first failure.
 */
export function verifyEvidence(bundle: EvidenceBundle, policy: WitnessPolicy): VerifiedEvidence {
  const witnessed = verifiedCheckpoint(bundle.checkpoint, policy)
  const { size, hash: root } = witnessed.checkpoint
  const entries = bundle.entries.map((item) => {
    const bytes = leafBytes(item)
    if (typeof bytes === 'string') throw new AuditError('AUDIT_VERIFY_FAILED', bytes)
    if (item.index >= size) throw new AuditError('AUDIT_VERIFY_FAILED', `entry ${item.index} is beyond the checkpoint's tree size ${size}`)
    const proof = item.inclusion_proof.map((h) => decodeBase64Std(h))
    if (proof.some((h) => !h || h.length !== 32)) throw new AuditError('AUDIT_VERIFY_FAILED', `entry ${item.index}: malformed inclusion proof`)
    if (!checkRecord(proof as Hash[], size, root, item.index, recordHash(bytes))) {
      throw new AuditError(
        'AUDIT_VERIFY_FAILED',
        `entry ${item.index} is NOT in the tree of the checkpoint (size ${size}): its inclusion proof fails`,
      )
    }
    return { index: item.index, entry: item.entry }
  })
  return { checkpoint: witnessed, entries }
}

/** verifyWitnessedCheckpoint, with every way of failing (signature, format, policy) as AUDIT_VERIFY_FAILED. */
export function verifiedCheckpoint(note: string, policy: WitnessPolicy): WitnessedCheckpoint {
  try {
    return verifyWitnessedCheckpoint(note, policy)
  } catch (error) {
    throw new AuditError('AUDIT_VERIFY_FAILED', `the checkpoint does not verify: ${(error as Error).message}`)
  }
}
