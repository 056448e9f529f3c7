// Shared core of the tlog port (see tlog.ts): hash functions, the stored-hash index
// math and the subtree helpers used by both tree hashing and proofs. Import the public
// API from tlog.ts: whatever it does not re-export is internal.

import { createHash } from 'node:crypto'
import { asBuffer } from './encoding.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export type Hash = Buffer
export const HASH_SIZE = 32
export const MAX_TREE_SIZE = 2 ** 52

export type TlogErrorCode =
  | 'TLOG_BAD_RANGE' // a size, index or level outside what the call allows
  | 'TLOG_BAD_HASH' // a hash argument that is not 32 bytes
  | 'TLOG_READER_MISMATCH' // a HashReader answered with the wrong number or size of hashes
  | 'TLOG_INTERNAL' // "bad math": a bug, never expected

export class TlogError extends GatewayError<TlogErrorCode> {
  constructor(code: TlogErrorCode, message: string) {
    super(code, `tlog: ${message}`)
  }
}

/**
 * Reads stored hashes by stored hash index. Must answer with exactly one 32-byte hash per
 * index, in the order asked (indexes are distinct but not necessarily sorted).
 */
export interface HashReader {
  readHashes(indexes: number[]): Promise<Hash[]>
}

const LEAF_PREFIX = Buffer.from([0x00])
const NODE_PREFIX = Buffer.from([0x01])

/** SHA-256 of the empty string: the RFC 6962 hash of the empty tree. Shared: do not mutate. */
export const emptyTreeHash: Hash = createHash('sha256').digest()

/** RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function recordHash(data: Uint8Array): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest()
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest()
}

// ---- index math -------------------------------------------------------------------

export function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

export function requireSize(n: number, what: string, min = 0): void {
  if (!isCount(n) || n < min || n > MAX_TREE_SIZE) {
    throw new TlogError('TLOG_BAD_RANGE', `invalid ${what} ${String(n)}`)
  }
}

export function requireHash(h: Uint8Array, what: string): Hash {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new TlogError('TLOG_BAD_HASH', `${what} is not a ${HASH_SIZE}-byte hash`)
  }
  return asBuffer(h)
}

/** Number of trailing one bits of n (= trailing zeros of n+1). */
export function trailingOnes(n: number): number {
  let c = 0
  while (n % 2 === 1) {
    n = (n - 1) / 2
    c++
  }
  return c
}

/** floor(n / 2^k) */
export function shr(n: number, k: number): number {
  return Math.floor(n / 2 ** k)
}

/** k, the largest power of two smaller than n (n >= 2), and l = log2 k. */
export function maxpow2(n: number): [number, number] {
  let k = 1
  let l = 0
  while (k * 2 < n) {
    k *= 2
    l++
  }
  return [k, l]
}

/** Maps tree coordinates (level, n) to the dense stored hash index. */
export function storedHashIndex(level: number, n: number): number {
  if (!Number.isInteger(level) || level < 0 || level > 63 || !isCount(n)) {
    throw new TlogError('TLOG_BAD_RANGE', `invalid coordinates (${String(level)}, ${String(n)})`)
  }
  // Level L's n'th hash is written right after level L+1's 2n+1'th hash.
  for (let l = level; l > 0; l--) n = 2 * n + 1
  // Level 0's n'th hash is written at n + n/2 + n/4 + ...
  let i = 0
  for (; n > 0; n = Math.floor(n / 2)) i += n
  const index = i + level
  if (!Number.isSafeInteger(index)) {
    throw new TlogError('TLOG_BAD_RANGE', 'stored hash index exceeds 2^53')
  }
  return index
}

/** Inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): [level: number, n: number] {
  if (!isCount(index)) throw new TlogError('TLOG_BAD_RANGE', `invalid stored hash index ${String(index)}`)
  // storedHashIndex(0, n) < 2n, so the record is in [index/2, index/2 + log2(index)].
  let n = Math.floor(index / 2)
  let indexN = storedHashIndex(0, n)
  if (indexN > index) throw new TlogError('TLOG_INTERNAL', 'bad math in splitStoredHashIndex')
  for (;;) {
    // Each new record n adds 1 + trailingZeros(n+1) hashes.
    const x = indexN + 1 + trailingOnes(n)
    if (x > index) break
    n++
    indexN = x
  }
  // The hash was committed with record n: it is one of (0, n), (1, n/2), (2, n/4), ...
  const level = index - indexN
  return [level, shr(n, level)]
}

/** Number of stored hashes for a tree with n records. */
export function storedHashCount(n: number): number {
  requireSize(n, 'tree size')
  if (n === 0) return 0
  let numHash = storedHashIndex(0, n - 1) + 1
  for (let i = n - 1; i % 2 === 1; i = (i - 1) / 2) numHash++
  return numHash
}

// ---- reading and subtree hashes ---------------------------------------------------

/** Calls r.readHashes and checks the answer: one 32-byte hash per index. */
export async function readChecked(r: HashReader, indexes: number[]): Promise<Hash[]> {
  const hashes = await r.readHashes(indexes)
  if (!Array.isArray(hashes) || hashes.length !== indexes.length) {
    throw new TlogError(
      'TLOG_READER_MISMATCH',
      `ReadHashes(${indexes.length} indexes) = ${Array.isArray(hashes) ? hashes.length : 'non-array'} hashes`,
    )
  }
  return hashes.map((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new TlogError('TLOG_READER_MISMATCH', `ReadHashes returned a malformed hash for index ${indexes[i]}`)
    }
    return asBuffer(h)
  })
}

/** Cursor over the hashes answered for a list of indexes. */
export interface Cursor {
  hashes: Hash[]
  pos: number
}

/** Stored hash indexes needed for the hash of the subtree of records [lo, hi). */
export function subTreeIndex(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const [k, level] = maxpow2(hi - lo + 1)
    if (lo % k !== 0) throw new TlogError('TLOG_INTERNAL', 'bad math in subTreeIndex')
    need.push(storedHashIndex(level, lo / k))
    lo += k
  }
  return need
}

/** Hash of the subtree [lo, hi) from the hashes for subTreeIndex(lo, hi); advances c. */
export function subTreeHash(lo: number, hi: number, c: Cursor): Hash {
  // Partition into a left side with 2^level records, as large as possible, and the rest.
  let numTree = 0
  while (lo < hi) {
    const [k] = maxpow2(hi - lo + 1)
    if (lo % k !== 0) throw new TlogError('TLOG_INTERNAL', 'bad math in subTreeHash')
    numTree++
    lo += k
  }
  if (c.hashes.length - c.pos < numTree) throw new TlogError('TLOG_INTERNAL', 'bad index math in subTreeHash')
  let h = c.hashes[c.pos + numTree - 1]!
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(c.hashes[c.pos + i]!, h)
  c.pos += numTree
  return h
}

export function expectConsumed(c: Cursor, where: string): void {
  if (c.pos !== c.hashes.length) throw new TlogError('TLOG_INTERNAL', `bad index math in ${where}`)
}
