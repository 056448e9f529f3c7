import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { migrate, readMigrations } from '../../src/db/migrate.ts'
import { createIntakeBatcher, type IntakeRow } from '../../src/intake/intake-batcher.ts'
import { createTestDatabase } from '../helpers/database.ts'

function row(key: string): IntakeRow {
  const id = randomUUID()
  return {
    row: {
      id,
      sender_id: 'be-hotline',
      channel: 'hotline_referral',
      payload_digest: 'p',
      payload_media_type: 'application/json',
      report_digest: 'r',
      received_at: new Date().toISOString(),
      canonical: {},
      contact_sealed: null,
      receipt: {},
      directory_version: 1,
      decision: {},
      destinations: [],
      ruleset_version: 1,
      decided_at: new Date().toISOString(),
    },
    keys: [key],
    entries: [Buffer.from(`{"type":"test","id":"${id}"}`)],
  }
}

/** Waits (on the database's own view, not a clock) until `n` sessions of this database wait for a lock. */
async function lockWaiters(pool: pg.Pool, n: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )
    if (rows[0].n >= n) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

t.test("two batches that deadlock on each other's keys: PostgreSQL aborts one, which runs again, and both commit", async (t) => {
  const url = await createTestDatabase(t)
  const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: url, max: 2 }))
  t.teardown(() => Promise.all(pools.map((p) => p.end())))
  await migrate(pools[0]!, await readMigrations())
  const retried: string[] = []
  const onRetry = (error: Error) => retried.push((error as Error & { code: string }).code)
  const [a, b] = [createIntakeBatcher(pools[1]!, onRetry), createIntakeBatcher(pools[2]!, onRetry)]

  // A third session holds `gate`. Batch A takes k1, then waits at the gate...
  const holder = await pools[0]!.connect()
  await holder.query('BEGIN')
  await holder.query(`INSERT INTO report_keys (key, case_id, report_id) VALUES ('url:gate', $1, $1)`, [randomUUID()])
  const batchA = Promise.all([a(row('url:k1')), a(row('url:gate')), a(row('url:k2'))])
  await lockWaiters(pools[0]!, 1)
  // ...batch B takes k2, then waits for k1, which A holds...
  const batchB = Promise.all([b(row('url:k2')), b(row('url:k1'))])
  await lockWaiters(pools[0]!, 2)
  // ...and when the gate opens, A goes on to k2, which B holds: a deadlock, every time.
  await holder.query('ROLLBACK')
  holder.release()

  const [resultsA, resultsB] = await Promise.all([batchA, batchB])
  t.same(
    [...resultsA, ...resultsB].map((r) => r.status),
    ['accepted', 'accepted', 'accepted', 'accepted', 'accepted'],
  )
  t.same(retried, ['40P01'], 'exactly one batch was aborted as the deadlock victim and ran again')
  const { rows } = await pools[0]!.query(`SELECT key, count(DISTINCT r.case_id)::int AS cases, count(*)::int AS reports
    FROM report_keys k JOIN reports r ON r.case_id = k.case_id WHERE key IN ('url:k1', 'url:k2') GROUP BY key ORDER BY key`)
  t.same(
    rows,
    [
      { key: 'url:k1', cases: 1, reports: 2 },
      { key: 'url:k2', cases: 1, reports: 2 },
    ],
    'each key ended in one case holding both of its reports',
  )
})
