import type pg from 'pg'
import { activeKeyWatcher } from '../keys/gateway-keys.ts'
import { compactSigner, sha256Hex } from '../crypto/jws.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { commitChange, type AuditEvent } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import { RENOTICES_SIGNED } from './handoff-transitions.ts'
import { givePlaces } from './inbox-signals.ts'
import type { RetractionClaims } from './retractions.ts'
import { RENOTICE_TYP } from './signed-message.ts'

/** What the gateway signs when it sends a notice again: which handoff (and manifest) it repeats, and how many times now. */
export interface RenoticeClaims extends Omit<RetractionClaims, 'retracted_at'> {
  /** 1 for the first re-notice, up to RENOTICE_MAX. */
  renotice: number
  /** When the first notice reached the destination (pushed or fetched). */
  first_sent_at: string
  iat: number
}

export interface RenoticeOptions {
  pool: pg.Pool
  sealer: Sealer
  issuer: string
  /** RENOTICE_AFTER_MS: how long after the last notice without removal another is sent. */
  afterMs: number
  /** RENOTICE_MAX: re-notices before the handoff is flagged for the operators instead. */
  max: number
  keyCheckMs?: number
  batchSize?: number
}

// Delivered notices to platforms without a removal, rejection or closure, whose last notice is older
// than the window: one process takes each (SKIP LOCKED), in the order they fell due.
const DUE = `
  WITH due AS (
    SELECT id FROM handoffs
     WHERE kind = 'platform' AND state IN ('sent', 'received') AND notice_settled_at IS NULL AND renotice_flagged_at IS NULL
       AND retraction IS NULL AND coalesce(renotice_signed_at, sent_at) <= now() - $1 * interval '1 millisecond'
     ORDER BY coalesce(renotice_signed_at, sent_at) LIMIT $2 FOR UPDATE SKIP LOCKED)
  SELECT h.id, h.case_id, h.report_id, h.participant_id, h.manifest_sha256, h.sent_at, h.renotices
    FROM due JOIN handoffs h ON h.id = due.id`

interface Due {
  id: string
  case_id: string
  report_id: string
  participant_id: string
  manifest_sha256: string
  sent_at: Date
  renotices: number
}

/**
 * The re-notice step: each due notice is signed again as a re-notice (delivered by the push loop or
 * the inbox), or, after `max` of them, flagged for the operators. Both are audit entries.
 */
export function createRenotices(options: RenoticeOptions) {
  const { pool } = options
  const key = activeKeyWatcher(pool, options.sealer, 'receipt', options.keyCheckMs ?? 10_000)

  async function step(): Promise<number> {
    return commitChange(pool, async (tx) => {
      const { rows } = await tx.query<Due>(DUE, [options.afterMs, options.batchSize ?? 100])
      const at = new Date()
      const [again, exhausted] = [rows.filter((r) => r.renotices < options.max), rows.filter((r) => r.renotices >= options.max)]
      const audit: Array<{ id: string; event: AuditEvent }> = []
      if (again.length > 0) {
        const signingKey = await key()
        const sign = compactSigner<RenoticeClaims>(signingKey, RENOTICE_TYP)
        const signed = again.map((row) => {
          const jws = sign(claimsOf(row, at))
          return { row, jws, sha256: sha256Hex(jws) }
        })
        await givePlaces(tx, [...new Set(again.map((r) => r.participant_id))])
        await tx.query(RENOTICES_SIGNED, [JSON.stringify(signed.map(({ row, jws, sha256 }) => ({ id: row.id, jws, sha256 })))])
        for (const { row, sha256 } of signed) {
          const base = { at: at.toISOString(), handoff_id: row.id, destination: row.participant_id, renotice: row.renotices + 1 }
          audit.push({ id: row.id, event: { type: 'handoff.renotice_signed', ...base, kid: signingKey.kid, renotice_sha256: sha256 } })
        }
      }
      if (exhausted.length > 0) {
        await tx.query('UPDATE handoffs SET renotice_flagged_at = $2 WHERE id = ANY($1::uuid[])', [exhausted.map((r) => r.id), at])
        for (const row of exhausted) {
          const event = {
            type: 'handoff.renotice_exhausted',
            at: at.toISOString(),
            handoff_id: row.id,
            destination: row.participant_id,
            renotices: row.renotices,
          }
          audit.push({ id: row.id, event })
        }
      }
      return { result: rows.length, audit: audit.map((a) => a.event), link: linkEntries(audit.map((a) => a.id)) }
    })
  }

  function claimsOf(row: Due, at: Date): RenoticeClaims {
    return {
      iss: options.issuer,
      handoff_id: row.id,
      case_id: row.case_id,
      report_id: row.report_id,
      destination: row.participant_id,
      manifest_sha256: row.manifest_sha256,
      renotice: row.renotices + 1,
      first_sent_at: row.sent_at.toISOString(),
      iat: Math.floor(at.getTime() / 1000),
    }
  }

  return { step }
}
