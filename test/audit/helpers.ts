// Test helpers: an in-memory HashReader over an array of stored hashes, and a naive,
// recursive RFC 9162 §2.1 reference implementation (MTH / PATH / SUBPROOF) to compare
// the tlog port against.

import { createHash } from 'node:crypto'
import { storedHashes, type Hash, type HashReader } from '../../src/tlog/tlog.ts'

/** Stored hashes in an array indexed by stored hash index; counts readHashes calls. */
export class MemoryHashStore implements HashReader {
  hashes: Hash[] = []
  calls = 0
  indexesRead = 0
  log: number[][] = []

  async readHashes(indexes: number[]): Promise<Hash[]> {
    this.calls++
    this.indexesRead += indexes.length
    this.log.push([...indexes])
    return indexes.map((i) => {
      const h = this.hashes[i]
      if (!h) throw new Error(`no stored hash at index ${i} (have ${this.hashes.length})`)
      return h
    })
  }

  resetCounters(): void {
    this.calls = 0
    this.indexesRead = 0
    this.log = []
  }
}

/** Builds a store by appending the records one by one with storedHashes (the Go way). */
export async function buildStore(records: readonly Uint8Array[]): Promise<MemoryHashStore> {
  const store = new MemoryHashStore()
  for (let n = 0; n < records.length; n++) {
    store.hashes.push(...(await storedHashes(n, records[n]!, store)))
  }
  store.resetCounters()
  return store
}

/** Deterministic test records: "record-<n>" with a little variety in length. */
export function makeRecords(count: number, prefix = 'record'): Buffer[] {
  return Array.from({ length: count }, (_, n) => Buffer.from(`${prefix}-${n}-${'x'.repeat(n % 7)}`))
}

export function hex(h: Uint8Array): string {
  return Buffer.from(h).toString('hex')
}

export function dh(s: string): Buffer {
  return Buffer.from(s, 'hex')
}

// ---- naive RFC 9162 §2.1 ----------------------------------------------------------

/** Largest power of two strictly smaller than n (n > 1). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** MTH over leaf data, memoised by range so the all-pairs tests stay fast. */
export class NaiveTree {
  private memo = new Map<string, Buffer>()
  constructor(readonly leaves: readonly Uint8Array[]) {}

  /** MTH(D[lo:hi]) */
  mth(lo = 0, hi = this.leaves.length): Buffer {
    const key = `${lo}:${hi}`
    let h = this.memo.get(key)
    if (h) return h
    const n = hi - lo
    if (n === 0) h = sha256()
    else if (n === 1) h = sha256(Buffer.from([0]), this.leaves[lo]!)
    else {
      const k = split(n)
      h = sha256(Buffer.from([1]), this.mth(lo, lo + k), this.mth(lo + k, hi))
    }
    this.memo.set(key, h)
    return h
  }

  /** PATH(m, D[lo:hi]): the audit path for leaf m (relative to lo). */
  path(m: number, lo = 0, hi = this.leaves.length): Buffer[] {
    const n = hi - lo
    if (n === 1) return []
    const k = split(n)
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)]
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)]
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  proof(m: number, n = this.leaves.length): Buffer[] {
    return this.subproof(m, 0, n, true)
  }

  private subproof(m: number, lo: number, hi: number, b: boolean): Buffer[] {
    const n = hi - lo
    if (m === n) return b ? [] : [this.mth(lo, hi)]
    const k = split(n)
    if (m <= k) return [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)]
    return [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)]
  }
}
