import type pg from 'pg'
import type { Logger } from 'pino'
import { activeKeyWatcher } from '../keys/gateway-keys.ts'
import type { GatewayKey } from '../crypto/gateway-key.ts'
import { compactSigner, sha256Hex, threadedCompactSigner } from '../crypto/jws.ts'
import type { SigningThread } from '../crypto/signing-thread.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { ReportFormat } from '../directory/participant.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { sharesContact, type DestinationKind, type RuleReason } from '../routing/index.ts'
import { commitChange, type AuditEvent } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import { SETTLE } from './handoff-transitions.ts'
import { givePlaces, type InboxSignals } from './inbox-signals.ts'
import { buildPayload } from './payload.ts'
import { MANIFEST_TYP } from './signed-message.ts'

/** What the gateway signs for each handoff: who sends what to whom, and the digest of exactly what. */
export interface ManifestClaims {
  iss: string
  handoff_id: string
  case_id: string
  report_id: string
  sender: string
  destination: string
  format: ReportFormat
  payload_media_type: string
  payload_sha256: string
  urgent: boolean
  rules: RuleReason[]
  iat: number
}

export interface HandoffWorkerOptions {
  pool: pg.Pool
  sealer: Sealer
  logger: Logger
  /** The manifests' `iss`: PUBLIC_URL, or the gateway's instance name. */
  issuer: string
  /** Most handoffs signed in one transaction (default 250). */
  batchSize?: number
  /** Signs off this thread when given (a batch per message); else inline. */
  signingThread?: SigningThread
  /** Wakes this process's long-polling inbox requests for the destinations a batch made handoffs available to. */
  signals?: Pick<InboxSignals, 'signal'>
  /** How often to look for a rotated signing key (KEY_CHECK_MS, default 10 s). */
  keyCheckMs?: number
}

export interface HandoffWorker {
  /** Signs up to one batch of pending handoffs now; how many it settled. */
  step(): Promise<number>
}

interface Claimed {
  id: string
  case_id: string
  participant_id: string
  report_id: string
  urgent: boolean
  rules: RuleReason[]
  items: number[]
  format: ReportFormat
  sender_id: string
  canonical: CanonicalReport
  contact_sealed: Buffer | null
  report_state: string
  kind: DestinationKind | null
}

type Sign = (claims: ManifestClaims) => Promise<string>

// SKIP LOCKED: any number of processes claim side by side, each row signed by exactly one of them.
// The claim walks the handoffs_pending index (urgent first, then oldest) and stops at the batch:
// no sort, no join over the backlog; only the claimed rows meet their reports.
const CLAIM = `
  WITH claimed AS (
    SELECT id FROM handoffs WHERE state = 'pending' ORDER BY urgent DESC, created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  SELECT h.id, h.case_id, h.participant_id, h.report_id, h.urgent, h.rules, h.items, h.format, h.kind,
         r.sender_id, r.canonical, r.contact_sealed, r.state AS report_state
    FROM claimed JOIN handoffs h ON h.id = claimed.id JOIN reports r ON r.id = h.report_id
   ORDER BY h.urgent DESC, h.created_at`

/**
 * The outbox worker: claims pending handoffs, builds each destination's payload, signs its manifest
 * with the gateway's published JWS key, and in one transaction stores both (state `ready`) with a
 * `handoff.signed` audit entry. A manifest is made once; a handoff never gets a second one.
 */
export function createHandoffWorker(options: HandoffWorkerOptions): HandoffWorker {
  const { pool, sealer } = options
  const batchSize = options.batchSize ?? 250
  // the published JWS key, followed across rotations (KEY_CHECK_MS)
  const receiptKey = activeKeyWatcher(pool, sealer, 'receipt', options.keyCheckMs ?? 10_000)

  function reportFor(row: Claimed): CanonicalReport {
    const report = row.canonical
    // the reporter's contact is unsealed only for a kind the reporter agreed to share it with (the projection decides the rest)
    if (!row.contact_sealed || !row.kind || !sharesContact(report, row.kind)) return report
    const contact = JSON.parse(sealer.open('reporter-contact', row.contact_sealed, row.report_id).toString('utf8'))
    return { ...report, reporter: { ...report.reporter, contact } }
  }

  async function step(): Promise<number> {
    // The idle case costs one round trip and no transaction (nor a signing key before the first handoff).
    const { rows: waiting } = await pool.query(`SELECT EXISTS (SELECT 1 FROM handoffs WHERE state = 'pending') AS any`)
    if (!waiting[0].any) return 0
    const signingKey = await receiptKey()
    const sign = signerFor(signingKey)
    let madeAvailable: string[] = []
    const settledCount = await commitChange(pool, async (tx) => {
      const { rows } = await tx.query<Claimed>(CLAIM, [batchSize])
      const at = new Date()
      const settled = await Promise.all(rows.map((row) => settle(row, at, sign)))
      const available = [...new Set(rows.filter((_, i) => settled[i]!.row.state === 'ready').map((r) => r.participant_id))]
      if (rows.length > 0) {
        await givePlaces(tx, available)
        await tx.query(SETTLE, [JSON.stringify(settled.map((s) => s.row))])
      }
      madeAvailable = available
      return { result: rows.length, audit: settled.map((s) => s.event), link: linkEntries(rows.map((r) => r.id)) }
    })
    options.signals?.signal(madeAvailable) // this process's waiters; NOTIFY wakes every process's
    return settledCount

    async function settle(row: Claimed, at: Date, sign: Sign): Promise<{ row: Record<string, unknown>; event: AuditEvent }> {
      const base = { handoff_id: row.id, case_id: row.case_id, report_id: row.report_id, sender: row.sender_id, destination: row.participant_id }
      if (row.report_state === 'retracted') {
        return {
          row: { id: row.id, state: 'withdrawn' },
          event: { type: 'handoff.withdrawn', at: at.toISOString(), ...base, reason: 'REPORT_RETRACTED' },
        }
      }
      let payload
      try {
        if (!row.kind) throw new Error('the routing decision does not name this destination')
        payload = buildPayload(reportFor(row), row.kind, row.format, row.items)
      } catch (error) {
        const reason = (error as { code?: string }).code ?? 'HANDOFF_UNBUILDABLE'
        options.logger.warn({ handoff: row.id, destination: row.participant_id, reason }, 'a handoff cannot be built; it failed')
        return {
          row: { id: row.id, state: 'failed', last_error: `${reason}: ${(error as Error).message}`.slice(0, 1000) },
          event: { type: 'handoff.failed', at: at.toISOString(), ...base, reason },
        }
      }
      const payloadSha256 = sha256Hex(payload.text)
      const manifest = await sign({
        iss: options.issuer,
        ...base,
        format: row.format,
        payload_media_type: payload.mediaType,
        payload_sha256: payloadSha256,
        urgent: row.urgent,
        rules: row.rules,
        iat: Math.floor(at.getTime() / 1000),
      })
      const manifestSha256 = sha256Hex(manifest)
      return {
        row: {
          id: row.id,
          state: 'ready',
          payload: payload.text,
          payload_media_type: payload.mediaType,
          payload_sha256: payloadSha256,
          manifest,
          manifest_sha256: manifestSha256,
          signed_at: at.toISOString(),
        },
        event: {
          type: 'handoff.signed',
          at: at.toISOString(),
          ...base,
          format: row.format,
          kid: signingKey.kid,
          manifest_sha256: manifestSha256,
          payload_sha256: payloadSha256,
        },
      }
    }
  }

  function signerFor(key: GatewayKey): Sign {
    if (options.signingThread) return threadedCompactSigner<ManifestClaims>(key, MANIFEST_TYP, options.signingThread)
    const sign = compactSigner<ManifestClaims>(key, MANIFEST_TYP)
    return async (claims) => sign(claims)
  }

  return { step }
}
