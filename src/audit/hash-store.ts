import type pg from 'pg'
import { AuditError } from './audit-error.ts'
import { splitStoredHashIndex, type Hash, type HashReader, type StoredHash } from '../tlog/tlog.ts'

export type Queryable = pg.Pool | pg.ClientBase

/** Stored hashes per row of audit_log_hashes (see migrations/0006_audit_log.sql). */
export const STRIP = 32

/** The tree's stored hashes in audit_log_hashes: one query per readHashes call, 32 bytes back per hash. */
export function pgHashReader(db: Queryable): HashReader {
  return {
    async readHashes(indexes) {
      if (indexes.length === 0) return []
      const { rows } = await db.query<{ hash_index: string | number; hash: Buffer }>(READ_HASHES, [indexes])
      const found = new Map(rows.map((row) => [Number(row.hash_index), row.hash]))
      return indexes.map((index) => {
        const hash = found.get(index)
        if (!hash || hash.length !== 32) throw new AuditError('AUDIT_HASH_MISSING', `stored hash ${index} is missing from audit_log_hashes`)
        return hash
      })
    },
  }
}

const READ_HASHES = `SELECT i AS hash_index, substring(h.hashes FROM (i % ${STRIP})::int * 32 + 1 FOR 32) AS hash
FROM unnest($1::bigint[]) AS i JOIN audit_log_hashes h ON h.strip = i / ${STRIP}`

/**
 * Stored hashes never change once written (each is the root of a complete subtree), so a process may
 * keep the ones it read. It keeps those at tlog level >= minLevel (subtrees of 1024+ entries by
 * default): few (2n/1024), and needed by every proof. A proof then fetches, in its one query, only its
 * ~2 x minLevel lower hashes, whatever the size of the log, and random reads of the lower levels
 * (tiles, proofs of random entries) do not crowd the upper ones out.
 */
export function cachedHashReader(base: HashReader, options: { minLevel?: number; capacity?: number } = {}): HashReader {
  const minLevel = options.minLevel ?? 10
  const capacity = options.capacity ?? 100_000
  const cache = new Map<number, Hash>()
  return {
    async readHashes(indexes) {
      const missing = indexes.filter((i) => !cache.has(i))
      const read = await base.readHashes(missing)
      const answer = new Map(missing.map((index, i) => [index, read[i]!]))
      for (const [index, hash] of answer) if (splitStoredHashIndex(index)[0] >= minLevel) cache.set(index, hash)
      // oldest first out: Map iteration follows insertion order
      for (const key of cache.keys()) {
        if (cache.size <= capacity) break
        cache.delete(key)
      }
      return indexes.map((i) => cache.get(i) ?? answer.get(i)!)
    },
  }
}

/**
 * Rows that append `hashes` (consecutive stored hashes from `first`) to audit_log_hashes: the first
 * one may complete the last, partial strip, which then already holds `first % STRIP` hashes.
 */
export function stripsFor(first: number, hashes: readonly Hash[]): { strips: number[]; bytes: Buffer[] } {
  const strips: number[] = []
  const bytes: Buffer[] = []
  for (let i = 0; i < hashes.length;) {
    const index = first + i
    const take = Math.min(STRIP - (index % STRIP), hashes.length - i)
    strips.push(Math.floor(index / STRIP))
    bytes.push(Buffer.concat(hashes.slice(i, i + take)))
    i += take
  }
  return { strips, bytes }
}

// Appending to the partial strip is checked (its length must be what the tree size implies): a strip
// that does not match is not updated, the count of written rows comes up short and the batch fails.
export const APPEND_STRIPS = `INSERT INTO audit_log_hashes (strip, hashes) SELECT * FROM unnest($1::bigint[], $2::bytea[])
ON CONFLICT (strip) DO UPDATE SET hashes = audit_log_hashes.hashes || EXCLUDED.hashes
WHERE length(audit_log_hashes.hashes) = $3::int
RETURNING strip`

/** Hashes computed in this batch, not yet written, in front of the stored ones. */
export function overlayReader(fresh: readonly StoredHash[], base: HashReader): HashReader {
  const known = new Map(fresh.map((h) => [h.index, h.hash]))
  return {
    async readHashes(indexes) {
      const missing = indexes.filter((i) => !known.has(i))
      const read = await base.readHashes(missing)
      missing.forEach((index, i) => known.set(index, read[i]!))
      return indexes.map((i) => known.get(i)!)
    },
  }
}

/**
 * Runs `work` twice: first against a reader that only records which hashes it asks for (answering
 * placeholders), then, after ONE query for all of them, against the real hashes. Several proofs
 * for one response thus cost one round trip instead of one each.
 */
export async function withPrefetch<T>(base: HashReader, work: (reader: HashReader) => Promise<T>): Promise<T> {
  const wanted = new Set<number>()
  const placeholder = Buffer.alloc(32)
  await work({
    async readHashes(indexes) {
      for (const i of indexes) wanted.add(i)
      return indexes.map(() => placeholder)
    },
  })
  const indexes = [...wanted]
  const hashes = await base.readHashes(indexes)
  const known = new Map<number, Hash>(indexes.map((index, i) => [index, hashes[i]!]))
  return work({
    async readHashes(asked) {
      return asked.map((i) => {
        const hash = known.get(i)
        if (!hash) throw new AuditError('AUDIT_HASH_MISSING', `stored hash ${i} was not prefetched`)
        return hash
      })
    },
  })
}
