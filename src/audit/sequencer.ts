import type pg from 'pg'
import type { Logger } from 'pino'
import { activeKey } from '../keys/gateway-keys.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { withTransaction } from '../db/transaction.ts'
import { AuditError } from './audit-error.ts'
import { startLoop } from '../ops/background-loop.ts'
import type { LoopHealth } from '../ops/loop-health.ts'
import { formatCheckpoint } from '../notes/checkpoint.ts'
import { APPEND_STRIPS, overlayReader, pgHashReader, STRIP, stripsFor } from './hash-store.ts'
import { checkpointSigner } from './log-key.ts'
import { signNote, type NoteSigner } from '../notes/note.ts'
import { appendLeaves, recordHash, treeHash } from '../tlog/tlog.ts'

/** Whoever holds this transaction-scoped advisory lock sequences the current batch. */
export const SEQUENCER_LOCK = 7_212_410_006

export interface SequencerOptions {
  pool: pg.Pool
  sealer: Sealer
  logger: Logger
  /** AUDIT_LOG_ORIGIN: replaces the default origin while the log has no checkpoint yet. */
  origin?: string | undefined
  /** Most entries per batch (default 500). */
  maxBatch?: number
  /** Pause between batches when there was less than a full batch to do (default 100 ms). */
  intervalMs?: number
  /** Called after this process committed a batch that grew the tree. */
  onSequenced?: (treeSize: number) => void
  /** Told of every completed batch, so that /readyz can tell a stuck sequencer. */
  health?: LoopHealth | undefined
}

type BatchResult =
  | { kind: 'busy' } // another process holds the lock
  | { kind: 'idle' } // nothing to sequence, the tree size is signed
  | { kind: 'sequenced'; count: number; treeSize: number }

export interface Sequencer {
  /** One batch, now. */
  runBatch(): Promise<BatchResult>
}

export interface RunningSequencer extends Sequencer {
  /** Lets the batch in progress commit, then stops. */
  stop(): Promise<void>
}

interface LogIdentity {
  origin: string
  kid: string
  signer: NoteSigner
}

/**
 * The sequencer gives unsequenced audit entries their place in the log: in one transaction it takes
 * them in id order, assigns contiguous log indexes after the current tree size, appends their
 * stored hashes, signs a C2SP checkpoint for the new size and commits. Every gateway process runs
 * one; the advisory lock taken inside the batch transaction picks who works, batch by batch, so a
 * dead process hands over at once and PGlite's single connection is never held between batches.
 */
export function createSequencer(options: SequencerOptions): Sequencer {
  const { pool, sealer } = options
  const maxBatch = options.maxBatch ?? 500
  let identity: Promise<LogIdentity> | undefined
  let treeSigned = false

  const ready = () => {
    identity ??= prepareLog(pool, sealer, options.origin).catch((error) => {
      identity = undefined
      throw error
    })
    return identity
  }

  async function runBatch(): Promise<BatchResult> {
    const log = await ready()
    // The common idle case costs one round trip and no transaction.
    if (treeSigned && !(await hasUnsequenced(pool))) return { kind: 'idle' }
    const result = await withTransaction(pool, (client) => sequenceLocked(client, log))
    if (result === 'stale') {
      identity = undefined // origin or key changed under us: pick them up again, next batch
      return { kind: 'busy' }
    }
    if (result.kind !== 'busy') treeSigned = true
    if (result.kind === 'sequenced' && result.count > 0) options.onSequenced?.(result.treeSize)
    return result
  }

  async function sequenceLocked(client: pg.PoolClient, log: LogIdentity): Promise<BatchResult | 'stale'> {
    const {
      rows: [lock],
    } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEQUENCER_LOCK])
    if (!lock!.locked) return { kind: 'busy' }
    // Read after the lock, in new statements: under READ COMMITTED they see the previous batch's commit.
    const {
      rows: [state],
    } = await client.query<{ origin: string; tree_size: number; root_hash: Buffer; signed: boolean; kid: string | null }>(STATE)
    if (!state || state.origin !== log.origin || state.kid !== log.kid) return 'stale'
    const { rows } = await client.query<{ id: number; entry: Buffer }>(
      'SELECT id, entry FROM audit_entries WHERE log_index IS NULL ORDER BY id LIMIT $1',
      [maxBatch],
    )
    if (rows.length === 0 && state.signed) return { kind: 'idle' }

    const size = state.tree_size
    const treeSize = size + rows.length
    const stored = await appendLeaves(
      size,
      rows.map((row) => recordHash(row.entry)),
      pgHashReader(client),
    )
    const root = rows.length === 0 ? state.root_hash : await treeHash(treeSize, overlayReader(stored, pgHashReader(client)))
    const note = signNote(formatCheckpoint({ origin: log.origin, size: treeSize, hash: root }), [log.signer])
    const first = stored[0]?.index ?? 0
    const { strips, bytes } = stripsFor(
      first,
      stored.map((h) => h.hash),
    )
    const {
      rows: [written],
    } = await client.query<{ strips: number }>(WRITE_BATCH, [
      strips,
      bytes,
      (first % STRIP) * 32,
      rows.map((row) => row.id),
      rows.map((_, i) => size + i),
      treeSize,
      root,
      note,
      log.kid,
    ])
    if (written!.strips !== strips.length) {
      throw new AuditError('AUDIT_HASH_MISSING', `audit_log_hashes does not end where a tree of size ${size} ends: the stored tree was damaged`)
    }
    return { kind: 'sequenced', count: rows.length, treeSize }
  }

  return { runBatch }
}

const STATE = `SELECT s.origin, s.tree_size, s.root_hash,
  EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.tree_size = s.tree_size) AS signed,
  (SELECT kid FROM gateway_keys WHERE purpose = 'checkpoint' AND retired_at IS NULL) AS kid
FROM audit_log_state s`

// One statement for the whole write: hashes, log indexes, the checkpoint and the new tree state.
const WRITE_BATCH = `WITH hashes AS (
  ${APPEND_STRIPS}
), entries AS (
  UPDATE audit_entries e SET log_index = v.log_index
  FROM unnest($4::bigint[], $5::bigint[]) AS v (id, log_index) WHERE e.id = v.id
), checkpoint AS (
  INSERT INTO audit_checkpoints (tree_size, root_hash, note, kid) VALUES ($6, $7, $8, $9)
)
UPDATE audit_log_state SET tree_size = $6, root_hash = $7
RETURNING (SELECT count(*)::int FROM hashes) AS strips`

async function hasUnsequenced(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ pending: boolean }>('SELECT EXISTS (SELECT 1 FROM audit_entries WHERE log_index IS NULL) AS pending')
  return rows[0]!.pending
}

/** The log's origin (fixed once it has a checkpoint) and its signing key, parsed once. */
async function prepareLog(pool: pg.Pool, sealer: Sealer, configured: string | undefined): Promise<LogIdentity> {
  if (configured) {
    await pool.query('UPDATE audit_log_state SET origin = $1 WHERE origin <> $1 AND NOT EXISTS (SELECT 1 FROM audit_checkpoints)', [configured])
  }
  const {
    rows: [state],
  } = await pool.query<{ origin: string }>('SELECT origin FROM audit_log_state')
  if (!state) throw new AuditError('AUDIT_HASH_MISSING', 'audit_log_state has no row: the audit log migration did not run')
  if (configured && state.origin !== configured) {
    throw new AuditError(
      'AUDIT_ORIGIN_MISMATCH',
      `AUDIT_LOG_ORIGIN is ${configured}, but the audit log already signed checkpoints as ${state.origin}; a log cannot change its origin (unset AUDIT_LOG_ORIGIN or set it back)`,
    )
  }
  const key = await activeKey(pool, sealer, 'checkpoint')
  return { origin: state.origin, kid: key.kid, signer: checkpointSigner(state.origin, key) }
}

/**
 * Starts the sequencing loop (src/ops/background-loop.ts): a batch straight after a full one,
 * otherwise every intervalMs; failures (the database restarting, migrations not yet applied) are
 * logged and retried with backoff. The first batch runs before start-up completes, so that a
 * configuration error (AUDIT_ORIGIN_MISMATCH) stops start-up instead of failing in the background.
 */
export async function startSequencer(options: SequencerOptions): Promise<RunningSequencer> {
  const sequencer = createSequencer(options)
  const maxBatch = options.maxBatch ?? 500
  await sequencer.runBatch().catch((error: unknown) => {
    if (error instanceof AuditError && error.code === 'AUDIT_ORIGIN_MISMATCH') throw error
    options.logger.warn({ err: error }, 'audit sequencer: the first batch failed; the loop retries it')
  })
  const loop = startLoop({
    name: 'audit sequencer',
    logger: options.logger,
    intervalMs: options.intervalMs ?? 100,
    health: options.health,
    // a full batch leaves more behind: straight on; a partial one emptied the queue: pause
    step: async () => {
      const result = await sequencer.runBatch()
      return result.kind === 'sequenced' && result.count === maxBatch ? result.count : 0
    },
  })
  return { runBatch: sequencer.runBatch, stop: loop.stop }
}
