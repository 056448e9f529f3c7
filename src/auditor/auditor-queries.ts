import type pg from 'pg'

/** What the auditor's view reads beside the audit API: sizes over time, takedown times, ids. Never report contents. */
export function createAuditorQueries(pool: pg.Pool) {
  return {
    /** The log's size at its latest 200 checkpoints, oldest first. */
    async growth(): Promise<Array<{ at: Date; size: number }>> {
      const { rows } = await pool.query(`SELECT created_at AS at, tree_size::float8 AS size FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 200`)
      return rows.reverse()
    },
    /** Hours from a handoff to its destination's first "content_removed", for the last 1000 such handoffs. */
    async takedownHours(): Promise<number[]> {
      const { rows } = await pool.query(
        `SELECT extract(epoch FROM (min(s.created_at) - h.created_at)) / 3600 AS hours
           FROM handoff_statuses s JOIN handoffs h ON h.id = s.handoff_id
          WHERE s.status = 'content_removed'
          GROUP BY h.id, h.created_at
          ORDER BY min(s.created_at) DESC
          LIMIT 1000`,
      )
      return rows.map((row) => Number(row.hours))
    },
    async cosignatures(treeSize: number): Promise<string[]> {
      const { rows } = await pool.query(`SELECT witness FROM audit_cosignatures WHERE tree_size = $1 ORDER BY witness`, [treeSize])
      return rows.map((row) => row.witness as string)
    },
    /** Which kind of id this is: a handoff, a report (by its handoffs), or neither. */
    async find(id: string): Promise<'handoff' | 'report' | undefined> {
      const { rows } = await pool.query(
        `SELECT CASE WHEN EXISTS (SELECT 1 FROM handoffs WHERE id = $1) THEN 'handoff'
                     WHEN EXISTS (SELECT 1 FROM reports WHERE id = $1) THEN 'report' END AS kind`,
        [id],
      )
      return rows[0]?.kind ?? undefined
    },
    async handoffsOf(reportId: string) {
      const { rows } = await pool.query<{ id: string; participant_id: string; state: string; urgent: boolean; created_at: Date }>(
        `SELECT id, participant_id, state, urgent, created_at FROM handoffs WHERE report_id = $1 ORDER BY created_at, participant_id`,
        [reportId],
      )
      return rows
    },
  }
}

export type AuditorQueries = ReturnType<typeof createAuditorQueries>
