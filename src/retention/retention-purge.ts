import type pg from 'pg'
import type { RetentionPolicy } from '../config/config.ts'
import { caseKeys } from '../intake/case-keys.ts'
import type { CanonicalReport } from '../intake/report-types.ts'
import { commitChange } from '../state/commit.ts'

/** Whoever holds this transaction-scoped advisory lock runs the current purge; the others skip it. */
export const RETENTION_LOCK = 7_212_410_070

/** Rows per kind per run: a run is one short transaction; the loop runs again at once while there is more. */
const BATCH = 500

type RetentionKind = 'reporter_contact' | 'report_contents' | 'handoff_payloads' | 'receipts'
export type PurgeCounts = Record<RetentionKind, number>

/**
 * One purge run: clears, per kind of data, what is older than its retention, in one transaction
 * with one `retention.purged` audit entry holding the counts and cut-offs (never ids or contents);
 * a run that found nothing writes none.
 * Every row keeps its ids, digests and times, so the audit log and every evidence bundle still
 * verify. Any number of processes may call it: one at a time works (the advisory lock), and only
 * once per `intervalMs` unless the last run found something (then there may be more); otherwise
 * it returns undefined.
 */
export function createRetentionPurge({ pool, policy, intervalMs }: { pool: pg.Pool; policy: RetentionPolicy; intervalMs: number }) {
  return async function purge(): Promise<PurgeCounts | undefined> {
    return commitChange(pool, async (tx) => {
      const at = new Date()
      if (!(await due(tx, at, intervalMs))) return { result: undefined, audit: [] }
      const before = {
        reporter_contact: new Date(at.getTime() - policy.reporterContactMs),
        report_contents: new Date(at.getTime() - policy.reportContentsMs),
        handoff_payloads: new Date(at.getTime() - policy.handoffPayloadsMs),
        receipts: new Date(at.getTime() - policy.receiptsMs),
      }
      const counts: PurgeCounts = {
        reporter_contact: await purgeContact(tx, before.reporter_contact, at),
        report_contents: await purgeContents(tx, before.report_contents, at),
        handoff_payloads: await purgePayloads(tx, before.handoff_payloads, at),
        receipts: await purgeReceipts(tx, before.receipts, at),
      }
      await tx.query('UPDATE retention_runs SET last_run_at = $1, last_purged = $2', [at, total(counts)])
      if (total(counts) === 0) return { result: counts, audit: [] } // a run that found nothing changed nothing
      const cutoffs = Object.fromEntries(Object.entries(before).map(([kind, date]) => [kind, date.toISOString()]))
      return { result: counts, audit: [{ type: 'retention.purged', at: at.toISOString(), purged: counts, before: cutoffs }] }
    })
  }
}

/** Whether this process runs the purge now: it holds the lock, and no other process ran it lately. */
async function due(tx: pg.ClientBase, at: Date, intervalMs: number): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [RETENTION_LOCK])
  if (!rows[0]!.locked) return false
  const { rows: last } = await tx.query<{ last_run_at: Date | null; last_purged: number }>('SELECT last_run_at, last_purged FROM retention_runs')
  const { last_run_at, last_purged } = last[0]!
  return !last_run_at || last_purged > 0 || at.getTime() - last_run_at.getTime() >= intervalMs
}

export function total(counts: PurgeCounts | undefined): number {
  return counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0
}

/** The smallest UUIDv7 of `date`'s millisecond: ids below it were made before `date`. */
function idBound(date: Date): string {
  const hex = Math.max(0, date.getTime()).toString(16).padStart(12, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`
}

async function purgeContact(tx: pg.ClientBase, before: Date, at: Date): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE reports SET contact_sealed = NULL, contact_purged_at = $2
      WHERE id IN (SELECT id FROM reports WHERE contact_sealed IS NOT NULL AND id < $1 ORDER BY id LIMIT $3)`,
    [idBound(before), at, BATCH],
  )
  return rowCount ?? 0
}

/**
 * Report contents, in id order behind a watermark. A report whose handoffs are not all signed yet
 * stops the run there (its payloads are built from the contents); the next run starts from it again.
 * Its case keys go too: they are its normalised URLs and hashes.
 */
async function purgeContents(tx: pg.ClientBase, before: Date, at: Date): Promise<number> {
  const { rows } = await tx.query<{ id: string; canonical: CanonicalReport | null; waiting: boolean }>(
    `SELECT r.id, r.canonical,
            EXISTS (SELECT 1 FROM handoffs h WHERE h.case_id = r.case_id AND h.report_id = r.id AND h.state = 'pending') AS waiting
       FROM reports r, retention_watermarks m
      WHERE m.kind = 'report_contents' AND r.id > m.after AND r.id < $1
      ORDER BY r.id LIMIT $2`,
    [idBound(before), BATCH],
  )
  const waiting = rows.findIndex((row) => row.waiting)
  const due = waiting === -1 ? rows : rows.slice(0, waiting)
  if (due.length === 0) return 0
  const held = due.filter((row) => row.canonical !== null)
  const keys = held.flatMap((row) => caseKeys(row.canonical!).map((key) => ({ key, report_id: row.id })))
  await tx.query(
    `DELETE FROM report_keys k USING jsonb_to_recordset($1::jsonb) AS x (key text, report_id uuid)
      WHERE k.key = x.key AND k.report_id = x.report_id`,
    [JSON.stringify(keys)],
  )
  await tx.query(`UPDATE reports SET canonical = NULL, retraction_reason = NULL, contents_purged_at = $2 WHERE id = ANY ($1::uuid[])`, [
    held.map((row) => row.id),
    at,
  ])
  await tx.query(`UPDATE retention_watermarks SET after = $1 WHERE kind = 'report_contents'`, [due.at(-1)!.id])
  return held.length
}

/** Payloads the destination holds already (receipted) or that will never be sent (failed, withdrawn). */
async function purgePayloads(tx: pg.ClientBase, before: Date, at: Date): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE handoffs SET payload = NULL, payload_purged_at = $2
      WHERE id IN (SELECT id FROM handoffs WHERE payload IS NOT NULL AND state IN ('received', 'failed', 'withdrawn') AND id < $1
                    ORDER BY id LIMIT $3)`,
    [idBound(before), at, BATCH],
  )
  return rowCount ?? 0
}

/** The destination's signed receipts, status messages and retraction receipts; their digests and signer kids stay. */
async function purgeReceipts(tx: pg.ClientBase, before: Date, at: Date): Promise<number> {
  const { rows } = await tx.query<{ id: string; held: boolean }>(
    `SELECT h.id, (h.receipt IS NOT NULL OR h.retraction_receipt IS NOT NULL
                   OR EXISTS (SELECT 1 FROM handoff_statuses s WHERE s.handoff_id = h.id AND s.jws IS NOT NULL)) AS held
       FROM handoffs h, retention_watermarks m
      WHERE m.kind = 'receipts' AND h.id > m.after AND h.id < $1
      ORDER BY h.id LIMIT $2`,
    [idBound(before), BATCH],
  )
  if (rows.length === 0) return 0
  const held = rows.filter((row) => row.held).map((row) => row.id)
  await tx.query(`UPDATE handoff_statuses SET jws = NULL WHERE handoff_id = ANY ($1::uuid[])`, [held])
  await tx.query(`UPDATE handoffs SET receipt = NULL, retraction_receipt = NULL, receipts_purged_at = $2 WHERE id = ANY ($1::uuid[])`, [held, at])
  await tx.query(`UPDATE retention_watermarks SET after = $1 WHERE kind = 'receipts'`, [rows.at(-1)!.id])
  return held.length
}
