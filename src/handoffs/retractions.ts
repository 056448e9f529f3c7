import type pg from 'pg'
import type { GatewayKey } from '../crypto/gateway-key.ts'
import { activeKeyWatcher } from '../keys/gateway-keys.ts'
import { compactSigner, sha256Hex } from '../crypto/jws.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { AuditEvent } from '../state/commit.ts'
import { RETRACTIONS_SIGNED, WITHDRAWN } from './handoff-transitions.ts'
import { givePlaces } from './inbox-signals.ts'
import { RETRACTION_TYP } from './signed-message.ts'

/** What the gateway signs when a report is retracted: this handoff's report is withdrawn by its sender. */
export interface RetractionClaims {
  iss: string
  handoff_id: string
  case_id: string
  report_id: string
  destination: string
  /** The handoff's manifest, as delivered: which handoff this retracts, beyond doubt. */
  manifest_sha256: string
  retracted_at: string
  iat: number
}

// The destination may hold it: it gets a retraction (once).
const HELD = `
  SELECT id, case_id, participant_id, manifest_sha256 FROM handoffs
   WHERE report_id = $1 AND state IN ('ready', 'sent', 'received') AND retraction IS NULL
   ORDER BY participant_id
     FOR UPDATE`

/**
 * Carries a report's retraction to its handoffs, inside the transaction that retracts the report:
 * each handoff gets what its state calls for (the still pending ones are withdrawn by the signing
 * worker). Returns the audit events and the handoff ids they belong to, in order. The signing key
 * is read before that transaction (`signingKey`): reading it inside would need a second connection,
 * and embedded PGlite has one.
 */
export function createRetractions(options: { pool: pg.Pool; sealer: Sealer; issuer: string; keyCheckMs?: number }) {
  const key = activeKeyWatcher(options.pool, options.sealer, 'receipt', options.keyCheckMs ?? 10_000)

  async function retract(
    tx: pg.ClientBase,
    reportId: string,
    at: Date,
    signingKey: GatewayKey,
  ): Promise<{ audit: AuditEvent[]; handoffIds: string[] }> {
    const base = { at: at.toISOString(), report_id: reportId }
    const { rows: withdrawn } = await tx.query(WITHDRAWN, [reportId])
    const { rows: held } = await tx.query(HELD, [reportId])
    const events: Array<{ id: string; event: AuditEvent }> = withdrawn.map((row) => ({
      id: row.id as string,
      event: {
        type: 'handoff.withdrawn',
        ...base,
        handoff_id: row.id,
        case_id: row.case_id,
        destination: row.participant_id,
        reason: 'REPORT_RETRACTED',
      },
    }))
    if (held.length > 0) {
      const sign = compactSigner<RetractionClaims>(signingKey, RETRACTION_TYP)
      const signed = held.map((row) => {
        const jws = sign({
          iss: options.issuer,
          handoff_id: row.id,
          case_id: row.case_id,
          report_id: reportId,
          destination: row.participant_id,
          manifest_sha256: row.manifest_sha256,
          retracted_at: at.toISOString(),
          iat: Math.floor(at.getTime() / 1000),
        })
        return { row, jws, sha256: sha256Hex(jws) }
      })
      await givePlaces(tx, [...new Set(held.map((row) => row.participant_id as string))])
      await tx.query(RETRACTIONS_SIGNED, [JSON.stringify(signed.map(({ row, jws, sha256 }) => ({ id: row.id, jws, sha256 })))])
      for (const { row, sha256 } of signed) {
        events.push({
          id: row.id,
          event: {
            type: 'handoff.retraction_signed',
            ...base,
            handoff_id: row.id,
            case_id: row.case_id,
            destination: row.participant_id,
            kid: signingKey.kid,
            retraction_sha256: sha256,
          },
        })
      }
    }
    return { audit: events.map((e) => e.event), handoffIds: events.map((e) => e.id) }
  }

  return { retract, signingKey: key }
}
