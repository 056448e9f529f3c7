import type pg from 'pg'
import { AuditError, AuditRangeError } from './audit-error.ts'
import { presentEntry, type PresentedEntry } from './entry-format.ts'
import { EVIDENCE_FORMAT, type EvidenceBundle } from './evidence.ts'
import { cachedHashReader, pgHashReader, withPrefetch } from './hash-store.ts'
import { checkpointVerifierKey } from './log-key.ts'
import { encodeEntryBundle, parseTilePath, readTileData, TILE_WIDTH, TileError } from '../tlog/tiles.ts'
import { proveRecord, proveTree, type Hash } from '../tlog/tlog.ts'

export const MAX_ENTRIES_PAGE = 1000

interface LogKey {
  verifier_key: string
  kid: string
  active: boolean
  created_at: string
}

interface TileResource {
  data: Buffer
  /** A full tile or bundle never changes; a partial one is only superseded by wider ones. */
  full: boolean
  kind: 'hashes' | 'entries'
}

/** Everything the audit log answers, read from the database; the sequencer is the only writer. */
export interface AuditService {
  /** The newest signed checkpoint carrying at least `minCosignatures` witness cosignatures, as served. */
  checkpoint(minCosignatures?: number): Promise<string | undefined>
  keys(): Promise<{ origin: string; keys: LogKey[] }>
  /** Entries [start, end), end clamped to the tree and to MAX_ENTRIES_PAGE. */
  entries(start: number, end: number): Promise<PresentedEntry[]>
  inclusionProof(index: number, treeSize: number): Promise<Hash[]>
  consistencyProof(from: number, to: number): Promise<Hash[]>
  /** A C2SP tlog-tiles resource by its path below `tile/`. */
  tile(path: string): Promise<TileResource>
  evidence(indexes: number[]): Promise<EvidenceBundle>
}

export function createAuditService({ pool }: { pool: pg.Pool }): AuditService {
  const hashes = cachedHashReader(pgHashReader(pool))
  // Tree sizes only grow: a size this process has seen needs no query to be known valid.
  let knownSize = 0
  async function treeSizeAtLeast(n: number): Promise<number> {
    if (n <= knownSize) return knownSize
    const { rows } = await pool.query<{ tree_size: number }>('SELECT tree_size FROM audit_log_state')
    knownSize = Math.max(knownSize, rows[0]?.tree_size ?? 0)
    return knownSize
  }
  async function requireSize(parameter: string, n: number, min: number): Promise<void> {
    if (n < min) throw new AuditRangeError(parameter, `${parameter} must be at least ${min}`)
    const size = await treeSizeAtLeast(n)
    if (n > size) throw new AuditRangeError(parameter, `${parameter} ${n} is beyond the tree size ${size}`)
  }

  return {
    async checkpoint(minCosignatures = 0) {
      const { rows } = await pool.query<{ note: string }>(
        minCosignatures > 0 ? WITNESSED_CHECKPOINT : LATEST_CHECKPOINT,
        minCosignatures > 0 ? [minCosignatures] : [],
      )
      return rows[0]?.note
    },

    async keys() {
      const { rows } = await pool.query<{ origin: string; kid: string | null; public_jwk: { x?: string }; active: boolean; created_at: Date }>(KEYS)
      const origin = rows[0]!.origin
      const keys = rows
        .filter((row) => row.kid !== null)
        .map((row) => ({
          verifier_key: checkpointVerifierKey(origin, row.public_jwk),
          kid: row.kid!,
          active: row.active,
          created_at: row.created_at.toISOString(),
        }))
      return { origin, keys }
    },

    async entries(start, end) {
      if (end <= start) throw new AuditRangeError('end', 'end must be greater than start')
      const last = Math.min(end, start + MAX_ENTRIES_PAGE)
      // the whole range, not just its start, is checked against the size: past the size this process
      // saw last, it is re-read, so a page is never cut short at a size the log has since outgrown
      const size = await treeSizeAtLeast(last)
      if (start >= size) throw new AuditRangeError('start', `start ${start} is beyond the last entry (tree size ${size})`)
      const { rows } = await pool.query<{ log_index: number; entry: Buffer }>(
        'SELECT log_index, entry FROM audit_entries WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index',
        [start, Math.min(last, size)],
      )
      return rows.map((row) => presentEntry(row.log_index, row.entry))
    },

    async inclusionProof(index, treeSize) {
      await requireSize('tree_size', treeSize, 1)
      if (index >= treeSize) throw new AuditRangeError('index', `index ${index} is not in a tree of size ${treeSize}`)
      return proveRecord(treeSize, index, hashes)
    },

    async consistencyProof(from, to) {
      await requireSize('to', to, 1)
      if (from < 1 || from > to) throw new AuditRangeError('from', `from must be between 1 and to (${to})`)
      return proveTree(to, from, hashes)
    },

    async tile(path) {
      let parsed
      try {
        parsed = parseTilePath(`tile/${path}`)
      } catch (error) {
        if (error instanceof TileError) throw new AuditRangeError('path', `not a C2SP tlog-tiles path: tile/${path}`)
        throw error
      }
      if (parsed.kind === 'tile') {
        const { level, index, width } = parsed.tile
        // each hash of a level-L tile covers 256^L entries: the tile exists once the tree covers its last hash
        const needed = (index * TILE_WIDTH + width) * TILE_WIDTH ** level
        const size = await treeSizeAtLeast(needed)
        if (needed > size) throw notInTree(path, size)
        return { data: await readTileData(parsed.tile, hashes), full: width === TILE_WIDTH, kind: 'hashes' }
      }
      const { index, width } = parsed.bundle
      const start = index * TILE_WIDTH
      const size = await treeSizeAtLeast(start + width)
      if (start + width > size) throw notInTree(path, size)
      const { rows } = await pool.query<{ entry: Buffer }>(
        'SELECT entry FROM audit_entries WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index',
        [start, start + width],
      )
      if (rows.length !== width) throw new AuditError('AUDIT_HASH_MISSING', `entries ${start}..${start + width - 1} are incomplete in audit_entries`)
      return { data: encodeEntryBundle(rows.map((row) => row.entry)), full: width === TILE_WIDTH, kind: 'entries' }
    },

    async evidence(indexes) {
      const wanted = [...new Set(indexes)].sort((a, b) => a - b)
      const {
        rows: [latest],
      } = await pool.query<{ note: string; tree_size: number }>(LATEST_CHECKPOINT)
      if (!latest) throw new AuditRangeError('index', 'the log has no checkpoint yet')
      const beyond = wanted.find((i) => i >= latest.tree_size)
      if (beyond !== undefined) throw new AuditRangeError('index', `index ${beyond} is beyond the tree size ${latest.tree_size}`)
      const { rows } = await pool.query<{ log_index: number; entry: Buffer }>(
        'SELECT log_index, entry FROM audit_entries WHERE log_index = ANY($1::bigint[]) ORDER BY log_index',
        [wanted],
      )
      const proofs = await withPrefetch(hashes, (reader) => Promise.all(rows.map((row) => proveRecord(latest.tree_size, row.log_index, reader))))
      return {
        format: EVIDENCE_FORMAT,
        checkpoint: latest.note,
        entries: rows.map((row, i) => ({ ...presentEntry(row.log_index, row.entry), inclusion_proof: proofs[i]!.map((h) => h.toString('base64')) })),
      }
    },
  }
}

function notInTree(path: string, size: number): AuditError {
  return new AuditError('AUDIT_NOT_FOUND', `tile/${path} is not part of the tree (size ${size})`)
}

// A checkpoint is served with its witness cosignatures appended to its signature lines.
const WITH_COSIGNATURES = `c.note || coalesce((SELECT string_agg(w.signature, '' ORDER BY w.witness) FROM audit_cosignatures w WHERE w.tree_size = c.tree_size), '') AS note, c.tree_size`

const LATEST_CHECKPOINT = `SELECT ${WITH_COSIGNATURES} FROM audit_checkpoints c
WHERE c.tree_size = (SELECT max(tree_size) FROM audit_checkpoints)`

const WITNESSED_CHECKPOINT = `SELECT ${WITH_COSIGNATURES} FROM audit_checkpoints c
WHERE c.tree_size = (SELECT tree_size FROM audit_cosignatures GROUP BY tree_size HAVING count(*) >= $1 ORDER BY tree_size DESC LIMIT 1)`

const KEYS = `SELECT s.origin, k.kid, k.public_jwk, k.retired_at IS NULL AS active, k.created_at
FROM audit_log_state s LEFT JOIN gateway_keys k ON k.purpose = 'checkpoint'
ORDER BY k.retired_at DESC NULLS FIRST, k.created_at DESC`
