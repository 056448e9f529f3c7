import type pg from 'pg'
import { Gauge, Registry } from 'prom-client'
import { withTransaction } from '../db/transaction.ts'
import type { OperationHandlers } from '../http/operations.ts'
import type { LoopHealth } from './loop-health.ts'
import { processMetrics } from './metrics.ts'

export interface MetricsOptions {
  pool: pg.Pool
  loops?: LoopHealth | undefined
  /** statement_timeout of the snapshot query (default 1 s): a scrape never loads the database for long. */
  timeoutMs?: number
}

/** Counting stops here: past it the gauge says "at least this many", and the query stays cheap. */
const COUNT_CAP = 100_000

// Only open handoffs are counted (partial indexes cover them): their number is the backlog, not the history.
// Finished ones (received, withdrawn) are counted as they happen, by hg_intake_to_receipt_seconds_count.
const SNAPSHOT = `SELECT
  (SELECT coalesce(json_agg(s), '[]') FROM (
     SELECT state, participant_id AS destination, count(*)::int AS count
       FROM (SELECT state, participant_id FROM handoffs WHERE state IN ('pending', 'ready', 'sent', 'dead_letter') LIMIT ${COUNT_CAP}) o
      GROUP BY 1, 2) s) AS handoffs,
  (SELECT count(*)::int FROM (SELECT 1 FROM handoffs WHERE escalated_at IS NOT NULL AND state NOT IN ('received', 'failed', 'withdrawn')
      LIMIT ${COUNT_CAP}) e) AS escalations_open,
  (SELECT tree_size FROM audit_log_state)::float8 AS tree_size,
  (SELECT count(*)::int FROM (SELECT 1 FROM audit_entries WHERE log_index IS NULL LIMIT ${COUNT_CAP}) u) AS unsequenced,
  coalesce((SELECT extract(epoch FROM clock_timestamp() - created_at) FROM audit_entries WHERE log_index IS NULL ORDER BY id LIMIT 1), 0)::float8
    AS sequencer_lag`

interface Snapshot {
  handoffs: Array<{ state: string; destination: string; count: number }>
  escalations_open: number
  tree_size: number
  unsequenced: number
  sequencer_lag: number
}

/**
 * The text a Prometheus scrape gets: this process's own metrics, plus what the database holds, read
 * now (scrapes arriving together share one query, under its own statement_timeout), so that every process reports the same
 * truth without counters shared between processes. The database being away is a metric too.
 */
export interface MetricsEndpoint {
  contentType: string
  render(): Promise<string>
}

export function createMetricsEndpoint(options: MetricsOptions): MetricsEndpoint {
  const registry = new Registry()
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] })
  const g = {
    up: gauge('hg_metrics_database_up', '1 when the last snapshot of the database for these metrics succeeded'),
    handoffs: gauge('hg_handoffs_open', 'Handoffs not yet receipted, by state (pending, ready, sent, dead_letter) and destination', [
      'state',
      'destination',
    ]),
    escalations: gauge('hg_escalations_open', 'Escalated urgent handoffs still without a receipt'),
    treeSize: gauge('hg_audit_tree_size', 'Entries in the audit log tree (its latest size)'),
    unsequenced: gauge('hg_audit_unsequenced_entries', 'Audit entries written but not yet given a log index'),
    lag: gauge('hg_audit_sequencer_lag_seconds', 'Age of the oldest audit entry waiting for the sequencer (0 when none waits)'),
    pool: gauge('hg_db_pool_connections', "This process's database pool: total, idle, and requests waiting for a connection", ['state']),
    poolMax: gauge('hg_db_pool_max', "This process's database pool size limit"),
    loops: gauge('hg_background_loop_step_age_seconds', "Seconds since each of this process's background loops completed a step", ['loop']),
  }
  let inFlight: Promise<Snapshot> | undefined
  // scrapes that arrive together (HA Prometheus pairs) share one query; none reads an older snapshot
  const snapshot = () =>
    (inFlight ??= readSnapshot(options.pool, options.timeoutMs ?? 1_000).finally(() => {
      inFlight = undefined
    }))

  async function render(): Promise<string> {
    for (const x of [g.handoffs, g.escalations, g.treeSize, g.unsequenced, g.lag, g.loops]) x.reset()
    try {
      const s = await snapshot()
      for (const h of s.handoffs) g.handoffs.set({ state: h.state, destination: h.destination }, h.count)
      g.escalations.set(s.escalations_open)
      g.treeSize.set(s.tree_size)
      g.unsequenced.set(s.unsequenced)
      g.lag.set(s.sequencer_lag)
      g.up.set(1)
    } catch {
      g.up.set(0) // the rest still tells what this process sees
    }
    const pool = options.pool
    g.pool.set({ state: 'total' }, pool.totalCount)
    g.pool.set({ state: 'idle' }, pool.idleCount)
    g.pool.set({ state: 'waiting' }, pool.waitingCount)
    g.poolMax.set(pool.options.max ?? 10)
    for (const { loop, seconds } of options.loops?.ages() ?? []) g.loops.set({ loop }, seconds)
    return (await processMetrics.metrics()) + '\n' + (await registry.metrics())
  }

  return { contentType: processMetrics.contentType, render }
}

async function readSnapshot(pool: pg.Pool, timeoutMs: number): Promise<Snapshot> {
  return withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`)
    const { rows } = await client.query<Snapshot>(SNAPSHOT)
    return rows[0]!
  })
}

export function metricsHandlers(endpoint: MetricsEndpoint): OperationHandlers {
  return {
    getMetrics: async (_request, reply) => reply.type(endpoint.contentType).send(await endpoint.render()),
  }
}
