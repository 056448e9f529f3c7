// A TypeScript port of Go's golang.org/x/mod/sumdb/tlog (tlog.go): the Merkle tree
// algorithms of the Go checksum database and of Tessera, compatible with RFC 6962 /
// RFC 9162 (leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right)).
//
// Hashes are stored in the "stored hash index" order of Crosby & Wallach §3.3: the
// hashes written when appending record n start at storedHashIndex(0, n) and are
// followed by the hashes of the subtrees that record completes.
//
// All sizes and indexes are JS safe integers. Bitwise operators are 32-bit in JS, so the
// index math (tlog-core.ts) uses plain arithmetic; tree sizes are capped at MAX_TREE_SIZE = 2^52 so
// that every stored hash index (< 2 * size) stays below 2^53.
//
// One deliberate difference from Go: treeHash(0) is the RFC 6962 empty-tree hash
// SHA-256("") (as in Tessera and C2SP checkpoints), not Go's all-zero hash.
//
// Layout: tlog-core.ts (hashing, index math), tlog-proof.ts (proofs), this file (appending,
// tree hash) and the public API re-exported from here.

import {
  emptyTreeHash,
  expectConsumed,
  MAX_TREE_SIZE,
  nodeHash,
  readChecked,
  recordHash,
  requireHash,
  requireSize,
  shr,
  storedHashIndex,
  subTreeHash,
  subTreeIndex,
  TlogError,
  trailingOnes,
  type Cursor,
  type Hash,
  type HashReader,
} from './tlog-core.ts'

export {
  emptyTreeHash,
  HASH_SIZE,
  MAX_TREE_SIZE,
  nodeHash,
  recordHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  TlogError,
  type Hash,
  type HashReader,
} from './tlog-core.ts'
export { checkRecord, checkTree, proveRecord, proveTree } from './tlog-proof.ts'

/** The stored hash indexes whose hashes are combined when record n is appended. */
function appendSiblingIndexes(n: number): number[] {
  const m = trailingOnes(n)
  const indexes: number[] = new Array<number>(m)
  // Sorted ascending; n >> i is always odd here.
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, shr(n, i) - 1)
  return indexes
}

/**
 * The hashes to store when writing record n with the given data, to be stored at
 * consecutive indexes starting at storedHashIndex(0, n). Makes one readHashes call.
 */
export async function storedHashes(n: number, data: Uint8Array, r: HashReader): Promise<Hash[]> {
  return storedHashesForRecordHash(n, recordHash(data), r)
}

/** Like storedHashes, given recordHash(data) instead of data. */
export async function storedHashesForRecordHash(n: number, h: Hash, r: HashReader): Promise<Hash[]> {
  requireSize(n, 'record index')
  if (n >= MAX_TREE_SIZE) throw new TlogError('TLOG_BAD_RANGE', `invalid record index ${n}`)
  h = requireHash(h, 'record hash')
  const indexes = appendSiblingIndexes(n)
  const old = await readChecked(r, indexes)
  const hashes = [h]
  const m = indexes.length
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i]!, h)
    hashes.push(h)
  }
  return hashes
}

export interface StoredHash {
  index: number
  hash: Hash
}

/**
 * Computes every stored hash produced by appending leafHashes as records
 * startSize, startSize+1, ... of a tree that currently has startSize records.
 * Existing hashes are fetched with at most ONE readHashes call (none if none are
 * needed), each index requested once; hashes produced earlier in the batch are
 * kept in memory. The result is in increasing, consecutive index order, starting
 * at storedHashIndex(0, startSize) and ending at storedHashCount(startSize + k) - 1.
 */
export async function appendLeaves(startSize: number, leafHashes: readonly Hash[], r: HashReader): Promise<StoredHash[]> {
  requireSize(startSize, 'start size')
  const end = startSize + leafHashes.length
  if (end > MAX_TREE_SIZE) throw new TlogError('TLOG_BAD_RANGE', `tree size ${end} exceeds 2^52`)
  const leaves = leafHashes.map((h, i) => requireHash(h, `leaf hash ${i}`))
  if (leaves.length === 0) return []

  const firstNew = storedHashIndex(0, startSize)
  const needed = new Set<number>()
  for (let n = startSize; n < end; n++) {
    for (const x of appendSiblingIndexes(n)) if (x < firstNew) needed.add(x)
  }
  const oldIndexes = [...needed].sort((a, b) => a - b)
  const known = new Map<number, Hash>()
  if (oldIndexes.length > 0) {
    const old = await readChecked(r, oldIndexes)
    oldIndexes.forEach((x, i) => known.set(x, old[i]!))
  }

  const out: StoredHash[] = []
  let next = firstNew
  for (let n = startSize; n < end; n++) {
    let h = leaves[n - startSize]!
    known.set(next, h)
    out.push({ index: next++, hash: h })
    const m = trailingOnes(n)
    for (let i = 0; i < m; i++) {
      const left = known.get(storedHashIndex(i, shr(n, i) - 1))
      if (!left) throw new TlogError('TLOG_INTERNAL', 'bad math in appendLeaves')
      h = nodeHash(left, h)
      known.set(next, h)
      out.push({ index: next++, hash: h })
    }
  }
  return out
}

/** Root hash of the tree with n records, with one readHashes call of at most 1 + log2 n indexes. */
export async function treeHash(n: number, r: HashReader): Promise<Hash> {
  requireSize(n, 'tree size')
  if (n === 0) return Buffer.from(emptyTreeHash)
  const indexes = subTreeIndex(0, n, [])
  const c: Cursor = { hashes: await readChecked(r, indexes), pos: 0 }
  const h = subTreeHash(0, n, c)
  expectConsumed(c, 'treeHash')
  return h
}
