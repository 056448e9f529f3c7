import type pg from 'pg'

export interface RecentReport {
  id: string
  received_at: Date
  state: string
  urgent: boolean
  destinations: Array<{ participant_id: string; urgent: boolean; rules: Array<{ rule_id: string; reason: string }> }>
  handoffs: Array<{ id: string; destination: string; state: string }>
}

/** What the console lists beside the API's reads, each one query. */
export function createConsoleQueries(pool: pg.Pool) {
  return {
    /** A sender's latest reports with where routing sent them and how each handoff stands. */
    async recentReports(senderId: string, limit = 20): Promise<RecentReport[]> {
      const { rows } = await pool.query(
        `SELECT r.id, r.received_at, r.state, coalesce((r.canonical->'urgency'->>'imminent_danger')::boolean, false) AS urgent,
                coalesce(d.decision->'destinations', '[]') AS destinations,
                (SELECT coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'destination', h.participant_id, 'state', h.state)
                                           ORDER BY h.participant_id), '[]')
                   FROM handoffs h WHERE h.report_id = r.id) AS handoffs
           FROM reports r LEFT JOIN routing_decisions d ON d.report_id = r.id
          WHERE r.sender_id = $1
          ORDER BY r.received_at DESC
          LIMIT $2`,
        [senderId, limit],
      )
      return rows as RecentReport[]
    },
    /** Pushes that gave up: waiting for an operator to redeliver once the endpoint is mended. */
    async deadLetters(limit = 100) {
      const { rows } = await pool.query<{
        id: string
        participant_id: string
        report_id: string
        urgent: boolean
        created_at: Date
        last_error: string | null
      }>(
        `SELECT id, participant_id, report_id, urgent, created_at, last_error FROM handoffs WHERE state = 'dead_letter' ORDER BY created_at LIMIT $1`,
        [limit],
      )
      return rows
    },
  }
}

export type ConsoleQueries = ReturnType<typeof createConsoleQueries>
