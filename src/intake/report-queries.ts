import type pg from 'pg'
import { allKeys } from '../crypto/gateway-keys.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { problem } from '../http/problems.ts'
import { commitChange } from '../state/commit.ts'

export type ReportQueries = ReturnType<typeof createReportQueries>

const STATUS_COLUMNS = `id, state, channel, external_id, received_at, report_digest, case_id, duplicate_of, retracted_at, retraction_reason`

/** Reads and the retraction, always scoped to the sender: someone else's report is "not found", never "forbidden". */
export function createReportQueries({ pool, sealer }: { pool: pg.Pool; sealer: Sealer }) {
  async function statusFor(reportId: string, senderId: string) {
    const { rows } = await pool.query(`SELECT ${STATUS_COLUMNS} FROM reports WHERE id = $1 AND sender_id = $2`, [reportId, senderId])
    return rows[0] ? present(rows[0]) : undefined
  }

  async function retract(reportId: string, senderId: string, reason: string) {
    return commitChange(pool, async (tx) => {
      const { rows } = await tx.query(`SELECT state FROM reports WHERE id = $1 AND sender_id = $2 FOR UPDATE`, [reportId, senderId])
      if (!rows[0]) throw problem('HG_NOT_FOUND', `no report ${reportId} sent by you`)
      if (rows[0].state === 'retracted') throw problem('HG_CONFLICT', `report ${reportId} is already retracted`)
      const updated = await tx.query(
        `UPDATE reports SET state = 'retracted', retracted_at = now(), retraction_reason = $2 WHERE id = $1 RETURNING ${STATUS_COLUMNS}`,
        [reportId, reason],
      )
      const status = present(updated.rows[0])
      // the reason is free text from the sender: it stays in the report, not in the publishable log
      return { result: status, audit: [{ type: 'report.retracted', at: status.retracted_at!, report_id: reportId, sender: senderId }] }
    })
  }

  async function receiptKeys() {
    return (await allKeys(pool, sealer, 'receipt')).map((key) => key.publicJwk)
  }

  return { statusFor, retract, receiptKeys }
}

function present(row: Record<string, any>) {
  return {
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
    routing: null,
    handoffs: [] as Array<{ id: string; destination: string; state: string; urgent: boolean; created_at: string }>,
  }
}
