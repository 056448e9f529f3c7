import type pg from 'pg'
import { AuditError } from './audit-error.ts'

export interface WaitOptions {
  timeoutMs?: number
  pollMs?: number
}

/**
 * Waits until audit entry `id` (default: every entry committed so far) has its place in the log, and
 * returns the tree size then. Polls by id: sequencing runs in whichever process holds the lock.
 */
export async function waitForSequenced(pool: pg.Pool, id?: number, options: WaitOptions = {}): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  // Without an id, the target is fixed now: under load "everything" would never be reached.
  const target = id ?? (await pool.query<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM audit_entries')).rows[0]!.id
  for (;;) {
    const {
      rows: [row],
    } = await pool.query<{ done: boolean; tree_size: number }>(
      `SELECT NOT EXISTS (
         SELECT 1 FROM audit_entries WHERE log_index IS NULL AND id <= $1
       ) AS done, (SELECT tree_size FROM audit_log_state) AS tree_size`,
      [target],
    )
    if (row!.done) return row!.tree_size
    if (Date.now() > deadline) throw new AuditError('AUDIT_NOT_SEQUENCED', `audit entry ${target} was not sequenced in time`)
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20))
  }
}
