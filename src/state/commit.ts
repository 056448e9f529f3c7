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
}

/**
 * The one place where the gateway changes state: the work, its audit entries (and, with handoffs,
 * its outbox rows) commit together or not at all.
 */
export async function commitChange<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<StateChange<T>>): Promise<T> {
  return withTransaction(pool, async (tx) => {
    const change = await work(tx)
    await appendAuditEntries(tx, change.audit)
    return change.result
  })
}

export function auditEntryBytes(event: AuditEvent): Buffer {
  return Buffer.from(canonicalize(event), 'utf8')
}

async function appendAuditEntries(tx: pg.ClientBase, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return
  await tx.query('INSERT INTO audit_entries (entry) SELECT unnest($1::bytea[])', [events.map(auditEntryBytes)])
}
