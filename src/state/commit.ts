import type pg from 'pg'
import { canonicalize } from '../crypto/jcs.ts'
import { withTransaction } from '../db/transaction.ts'

/**
 * An audit event: ids, types, times, participants and digests — never report contents or personal
 * data, so every entry stays publishable. `type` names what happened, e.g. `directory.version_published`.
 */
export interface AuditEvent {
  type: string
  at: string
  [field: string]: string | number | boolean | null | string[] | Record<string, string | number>
}

export interface StateChange<T> {
  result: T
  audit: AuditEvent[]
  /** Runs in the same transaction with the ids of the audit entries just written, in `audit` order (to link rows to them). */
  link?: (tx: pg.PoolClient, entryIds: number[]) => Promise<void>
}

/**
 * The one place where the gateway changes state: the work, its audit entries (and, with handoffs,
 * its outbox rows) commit together or not at all.
 */
export async function commitChange<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<StateChange<T>>): Promise<T> {
  return withTransaction(pool, async (tx) => {
    const change = await work(tx)
    const ids = await appendAuditEntries(tx, change.audit)
    await change.link?.(tx, ids)
    return change.result
  })
}

export function auditEntryBytes(event: AuditEvent): Buffer {
  return Buffer.from(canonicalize(event), 'utf8')
}

async function appendAuditEntries(tx: pg.ClientBase, events: AuditEvent[]): Promise<number[]> {
  if (events.length === 0) return []
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO audit_entries (entry) SELECT e FROM unnest($1::bytea[]) WITH ORDINALITY AS u(e, n) ORDER BY n RETURNING id',
    [events.map(auditEntryBytes)],
  )
  // identities are drawn in insertion order: ascending ids are the events' order
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b)
}
