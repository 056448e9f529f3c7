import type pg from 'pg'
import type { GatewayKey } from '../crypto/gateway-key.ts'
import { publishedKeys } from '../keys/gateway-keys.ts'
import { IntakeError } from './intake-error.ts'
import { commitChange, type AuditEvent } from '../state/commit.ts'

export type ReportQueries = ReturnType<typeof createReportQueries>

/**
 * What a report's status and retraction need of the handoffs that carry it. src/app.ts passes in
 * src/handoffs' own functions: intake sits below handoffs and does not import them.
 */
export interface ReportHandoffs {
  /** The retraction signing key, read before the transaction (handoffs/retractions.ts). */
  signingKey(): Promise<GatewayKey | undefined>
  /** Withdraws or tells each handoff of the report, inside the retraction's transaction (handoffs/retractions.ts). */
  retract(tx: pg.ClientBase, reportId: string, at: Date, key: GatewayKey): Promise<{ audit: AuditEvent[]; handoffIds: string[] }>
  /** Links the audit entries, in order, to the handoffs they are about (handoffs/handoff-audit.ts). */
  linkEntries(handoffIds: string[]): (tx: pg.PoolClient, entryIds: number[]) => Promise<void>
  /** A handoff's latest status as every view shows it (handoffs/handoff-store.ts). */
  timelineEntry(status: { status: string; outcome: string | null; occurred_at: string; at: string }): object
}

/** The report, its routing decision, and the handoffs that carry it: its own, and those that already had its case. */
const STATUS_QUERY = `
  SELECT r.id, r.state, r.channel, r.external_id, r.received_at, r.report_digest, r.case_id, r.duplicate_of,
         r.retracted_at, r.retraction_reason, r.contact_purged_at, r.contents_purged_at,
         d.decision, d.already_handed, d.directory_version AS d_directory_version, d.ruleset_version, d.decided_at,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'destination', h.participant_id, 'state', h.state,
                   'urgent', h.urgent, 'retraction', h.retraction_state, 'report_id', h.report_id, 'created_at', h.created_at,
                   'status', (SELECT jsonb_build_object('status', s.status, 'outcome', s.outcome, 'occurred_at', s.occurred_at, 'at', s.created_at) FROM handoff_statuses s
                               WHERE s.handoff_id = h.id ORDER BY s.seq DESC LIMIT 1)) ORDER BY h.created_at, h.participant_id), '[]')
            FROM handoffs h
           WHERE h.case_id = r.case_id
             AND (h.report_id = r.id OR h.id IN (SELECT (x->>'handoff_id')::uuid FROM jsonb_array_elements(d.already_handed) AS x))) AS handoffs
    FROM reports r LEFT JOIN routing_decisions d ON d.report_id = r.id
   WHERE r.id = $1 AND r.sender_id = $2`

/** Reads and the retraction, always scoped to the sender: someone else's report is "not found", never "forbidden". */
export function createReportQueries({ pool, handoffs }: { pool: pg.Pool; handoffs: ReportHandoffs }) {
  const present = presenter(handoffs)

  async function statusFor(reportId: string, senderId: string) {
    const { rows } = await pool.query(STATUS_QUERY, [reportId, senderId])
    return rows[0] ? present(rows[0]) : undefined
  }

  async function retract(reportId: string, senderId: string, reason: string) {
    const signingKey = await handoffs.signingKey()
    return commitChange(pool, async (tx) => {
      const { rows } = await tx.query(`SELECT state FROM reports WHERE id = $1 AND sender_id = $2 FOR UPDATE`, [reportId, senderId])
      if (!rows[0]) throw new IntakeError('REPORT_NOT_FOUND', `no report ${reportId} sent by you`)
      if (rows[0].state === 'retracted') throw new IntakeError('REPORT_RETRACTED', `report ${reportId} is already retracted`)
      const at = new Date()
      // a report whose contents were purged keeps no new free text either
      await tx.query(
        `UPDATE reports SET state = 'retracted', retracted_at = $3, retraction_reason = CASE WHEN contents_purged_at IS NULL THEN $2::text END WHERE id = $1`,
        [reportId, reason, at],
      )
      // the handoffs that carry it: withdrawn, or told (the destination's own retraction, signed)
      const carried = (signingKey && (await handoffs.retract(tx, reportId, at, signingKey))) ?? { audit: [], handoffIds: [] }
      const status = present((await tx.query(STATUS_QUERY, [reportId, senderId])).rows[0])
      // the reason is free text from the sender: it stays in the report, not in the publishable log
      return {
        result: status,
        audit: [{ type: 'report.retracted', at: status.retracted_at!, report_id: reportId, sender: senderId }, ...carried.audit],
        link: async (tx, ids) => handoffs.linkEntries(carried.handoffIds)(tx, ids.slice(1)),
      }
    })
  }

  async function receiptKeys() {
    return publishedKeys(pool, 'receipt')
  }

  return { statusFor, retract, receiptKeys }
}

// a row of STATUS_QUERY; the response is checked against report-status.json before it is sent
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StatusRow = Record<string, any>

function presenter({ timelineEntry }: Pick<ReportHandoffs, 'timelineEntry'>) {
  return (row: StatusRow) => ({
    id: row.id,
    state: row.state,
    channel: row.channel,
    external_id: row.external_id,
    received_at: row.received_at.toISOString(),
    report_sha256: row.report_digest,
    case_id: row.case_id,
    duplicate_of: row.duplicate_of,
    retracted_at: row.retracted_at?.toISOString() ?? null,
    retraction_reason: row.retraction_reason,
    // what retention removed, and when (src/retention/); ids, digests and the timeline stay
    purged: { contact_at: row.contact_purged_at?.toISOString() ?? null, contents_at: row.contents_purged_at?.toISOString() ?? null },
    routing: row.decision
      ? {
          decision: row.decision,
          already_handed: row.already_handed,
          directory_version: row.d_directory_version,
          ruleset_version: row.ruleset_version,
          decided_at: row.decided_at.toISOString(),
        }
      : null,
    // jsonb timestamps come back as PostgreSQL text; the contract wants RFC 3339
    handoffs: (row.handoffs as StatusRow[]).map((h) => ({
      ...h,
      created_at: new Date(h.created_at).toISOString(),
      status: h.status && timelineEntry(h.status),
    })),
  })
}
