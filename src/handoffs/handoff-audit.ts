import type pg from 'pg'
import { auditEntryBytes, type AuditEvent } from '../state/commit.ts'

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

export interface AuditedChange {
  /** An UPDATE of at most one handoff, `RETURNING id`: the entry is written only if it changed the row. */
  change: string
  /** Further data-modifying statements that run with it whether or not it changed anything. */
  also?: string[]
  params: unknown[]
  event: AuditEvent
}

/**
 * A handoff's state change, its audit entry and the entry's link to the handoff in one statement: one
 * round trip, atomic without BEGIN/COMMIT (as commitChange's three, for the hot paths of delivery).
 * The changed row as `change` returns it; undefined when it changed nothing (a concurrent change that
 * got there first, say), and then no entry is written.
 */
export async function changeWithEntry<Row extends { id: string }>(
  db: pg.Pool | pg.ClientBase,
  { change, also = [], params, event }: AuditedChange,
): Promise<Row | undefined> {
  const entry = `$${params.length + 1}::bytea`
  const { rows } = await db.query<Row>(
    `WITH changed AS (${change}),
          ${also.map((sql, i) => `also_${i} AS (${sql}),`).join('\n          ')}
          entry AS (INSERT INTO audit_entries (entry) SELECT ${entry} FROM changed RETURNING id),
          linked AS (INSERT INTO handoff_audit (audit_entry_id, handoff_id) SELECT entry.id, changed.id FROM entry, changed)
     SELECT * FROM changed`,
    [...params, auditEntryBytes(event)],
  )
  return rows[0]
}
