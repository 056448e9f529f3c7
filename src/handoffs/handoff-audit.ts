import type pg from 'pg'

/**
 * A `commitChange` link that records which audit entry belongs to which handoff (one entry per id,
 * in order), so that a handoff's evidence finds its entries' log indexes without scanning the log.
 */
export function linkEntries(handoffIds: string[]): (tx: pg.PoolClient, entryIds: number[]) => Promise<void> {
  return async (tx, entryIds) => {
    if (entryIds.length === 0) return
    await tx.query('INSERT INTO handoff_audit (audit_entry_id, handoff_id) SELECT unnest($1::bigint[]), unnest($2::uuid[])', [entryIds, handoffIds])
  }
}
