import { escalationsTotal } from '../ops/metrics.ts'
import type pg from 'pg'
import type { DirectoryService } from '../directory/directory-service.ts'
import { commitChange } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import { ESCALATED } from './handoff-transitions.ts'

// Open: an urgent handoff still without a receipt, or a platform that kept the content through every
// re-notice (until it reports a removal, rejects or closes the handoff, or the report is retracted).
const OPEN = `
  SELECT h.id, h.case_id, h.report_id, h.participant_id, h.state, h.created_at, h.last_error, h.renotices, urgent_open,
         CASE WHEN urgent_open THEN h.escalated_at ELSE h.renotice_flagged_at END AS escalated_at
    FROM handoffs h
   CROSS JOIN LATERAL (SELECT h.escalated_at IS NOT NULL AND h.state NOT IN ('received', 'failed', 'withdrawn') AS urgent_open) u
   WHERE urgent_open OR (h.renotice_flagged_at IS NOT NULL AND h.notice_settled_at IS NULL AND h.retraction IS NULL)
   ORDER BY escalated_at, h.id -- the output column: when it was escalated, for either reason
   LIMIT $1`

export interface Escalations {
  /** Escalates the urgent handoffs whose acknowledgement is overdue (up to a batch); how many. */
  step(): Promise<number>
  /** The escalated handoffs still without a receipt, and the notices re-sent to no avail, oldest first, each with who to call. */
  open(limit: number): Promise<{ escalations: object[] }>
}

export function createEscalations(options: { pool: pg.Pool; directory: DirectoryService; ackMs: number; batchSize?: number }): Escalations {
  const { pool } = options

  async function step(): Promise<number> {
    const escalated = await commitChange(pool, async (tx) => {
      const { rows } = await tx.query<{ id: string; participant_id: string; state: string }>(ESCALATED, [options.ackMs, options.batchSize ?? 100])
      if (rows.length > 0)
        await tx.query('DELETE FROM delivery_endpoints WHERE participant_id = ANY($1::text[])', [rows.map((r) => r.participant_id)])
      const at = new Date().toISOString()
      const audit = rows.map((row) => ({
        type: 'handoff.escalated',
        at,
        handoff_id: row.id,
        destination: row.participant_id,
        state: row.state,
        ack_ms: options.ackMs,
      }))
      return { result: rows.length, audit, link: linkEntries(rows.map((r) => r.id)) }
    })
    escalationsTotal.inc(escalated)
    return escalated
  }

  async function open(limit: number) {
    const [{ rows }, current] = await Promise.all([pool.query(OPEN, [limit]), options.directory.current()])
    const participants = new Map((current?.document.participants ?? []).map((p) => [p.id, p]))
    return {
      escalations: rows.map((row) => {
        const destination = participants.get(row.participant_id)
        return {
          handoff_id: row.id,
          case_id: row.case_id,
          report_id: row.report_id,
          destination: row.participant_id,
          destination_name: destination?.name ?? null,
          urgent_contact: destination?.urgent_contact ?? null,
          state: row.state,
          created_at: row.created_at.toISOString(),
          escalated_at: row.escalated_at.toISOString(),
          reason: row.urgent_open ? 'urgent_unacknowledged' : 'renotice_exhausted',
          renotices: row.renotices,
          last_error: row.last_error,
        }
      }),
    }
  }

  return { step, open }
}
