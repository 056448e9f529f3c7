// Inclusion and consistency proofs of the tlog port (RFC 6962 §2.1.1 / §2.1.2; RFC 9162
// §2.1.3 / §2.1.4 order: the hash nearest the leaf / old tree first). Import from tlog.ts.

import { asBuffer } from './encoding.ts'
import {
  expectConsumed,
  HASH_SIZE,
  isCount,
  maxpow2,
  nodeHash,
  readChecked,
  requireHash,
  requireSize,
  subTreeHash,
  subTreeIndex,
  TlogError,
  type Cursor,
  type Hash,
  type HashReader,
} from './tlog-core.ts'

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo <= n && n < hi)) throw new TlogError('TLOG_INTERNAL', 'bad math in leafProofIndex')
  if (lo + 1 === hi) return need
  const [k] = maxpow2(hi - lo)
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need)
    subTreeIndex(lo + k, hi, need)
  } else {
    subTreeIndex(lo, lo + k, need)
    leafProofIndex(lo + k, hi, n, need)
  }
  return need
}

function leafProof(lo: number, hi: number, n: number, c: Cursor): Hash[] {
  if (!(lo <= n && n < hi)) throw new TlogError('TLOG_INTERNAL', 'bad math in leafProof')
  if (lo + 1 === hi) return [] // the verifier knows the leaf hash
  // Walk down toward n, recording the hash of the path not taken (deepest first).
  const [k] = maxpow2(hi - lo)
  let p: Hash[]
  let th: Hash
  if (n < lo + k) {
    p = leafProof(lo, lo + k, n, c)
    th = subTreeHash(lo + k, hi, c)
  } else {
    th = subTreeHash(lo, lo + k, c)
    p = leafProof(lo + k, hi, n, c)
  }
  p.push(th)
  return p
}

function requireRecordArgs(t: number, n: number): void {
  requireSize(t, 'tree size', 1)
  if (!isCount(n) || n >= t) throw new TlogError('TLOG_BAD_RANGE', `invalid record ${String(n)} for tree size ${t}`)
}

/** Inclusion proof (RFC 9162 PATH, leaf-side first) that record n is in the tree of size t. */
export async function proveRecord(t: number, n: number, r: HashReader): Promise<Hash[]> {
  requireRecordArgs(t, n)
  const indexes = leafProofIndex(0, t, n, [])
  if (indexes.length === 0) return []
  const c: Cursor = { hashes: await readChecked(r, indexes), pos: 0 }
  const p = leafProof(0, t, n, c)
  expectConsumed(c, 'proveRecord')
  return p
}

function isProof(p: readonly Uint8Array[]): boolean {
  return Array.isArray(p) && p.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE)
}

/** Runs proof p[0..end) for leaf n in subtree [lo, hi); null if the proof has the wrong shape. */
function runRecordProof(p: readonly Uint8Array[], end: number, lo: number, hi: number, n: number, leaf: Hash): Hash | null {
  if (lo + 1 === hi) return end === 0 ? leaf : null // no unnecessary hashes allowed
  if (end === 0) return null
  const [k] = maxpow2(hi - lo)
  const sib = asBuffer(p[end - 1]!)
  if (n < lo + k) {
    const th = runRecordProof(p, end - 1, lo, lo + k, n, leaf)
    return th && nodeHash(th, sib)
  }
  const th = runRecordProof(p, end - 1, lo + k, hi, n, leaf)
  return th && nodeHash(sib, th)
}

/**
 * Reports whether proof is a valid proof that the tree of size t with root th has
 * record hash h at index n. Throws TlogError for invalid sizes/indexes or hash arguments;
 * a malformed proof simply fails.
 */
export function checkRecord(proof: readonly Uint8Array[], t: number, th: Hash, n: number, h: Hash): boolean {
  requireRecordArgs(t, n)
  th = requireHash(th, 'tree hash')
  h = requireHash(h, 'record hash')
  if (!isProof(proof)) return false
  const th2 = runRecordProof(proof, proof.length, 0, t, n, h)
  return th2 !== null && th2.equals(th)
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo < n && n <= hi)) throw new TlogError('TLOG_INTERNAL', 'bad math in treeProofIndex')
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need)
  const [k] = maxpow2(hi - lo)
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need)
    subTreeIndex(lo + k, hi, need)
  } else {
    subTreeIndex(lo, lo + k, need)
    treeProofIndex(lo + k, hi, n, need)
  }
  return need
}

function treeProof(lo: number, hi: number, n: number, c: Cursor): Hash[] {
  if (!(lo < n && n <= hi)) throw new TlogError('TLOG_INTERNAL', 'bad math in treeProof')
  if (n === hi) {
    // Reached common ground. The whole old tree needs no hash: the verifier has it.
    return lo === 0 ? [] : [subTreeHash(lo, hi, c)]
  }
  const [k] = maxpow2(hi - lo)
  let p: Hash[]
  let th: Hash
  if (n <= lo + k) {
    p = treeProof(lo, lo + k, n, c)
    th = subTreeHash(lo + k, hi, c)
  } else {
    th = subTreeHash(lo, lo + k, c)
    p = treeProof(lo + k, hi, n, c)
  }
  p.push(th)
  return p
}

function requireTreeArgs(t: number, n: number): void {
  requireSize(t, 'tree size', 1)
  if (!isCount(n) || n < 1 || n > t) throw new TlogError('TLOG_BAD_RANGE', `invalid old size ${String(n)} for tree size ${t}`)
}

/** Consistency proof (RFC 9162 SUBPROOF order) that the tree of size t extends the tree of size n (1 <= n <= t). */
export async function proveTree(t: number, n: number, r: HashReader): Promise<Hash[]> {
  requireTreeArgs(t, n)
  const indexes = treeProofIndex(0, t, n, [])
  if (indexes.length === 0) return []
  const c: Cursor = { hashes: await readChecked(r, indexes), pos: 0 }
  const p = treeProof(0, t, n, c)
  expectConsumed(c, 'proveTree')
  return p
}

/** Runs p[0..end) for subtree [lo, hi); returns the implied [old, new] hashes or null. */
function runTreeProof(p: readonly Uint8Array[], end: number, lo: number, hi: number, n: number, old: Hash): [Hash, Hash] | null {
  if (n === hi) {
    if (lo === 0) return end === 0 ? [old, old] : null
    if (end !== 1) return null
    const h = asBuffer(p[0]!)
    return [h, h]
  }
  if (end === 0) return null
  const [k] = maxpow2(hi - lo)
  const sib = asBuffer(p[end - 1]!)
  if (n <= lo + k) {
    const r = runTreeProof(p, end - 1, lo, lo + k, n, old)
    return r && [r[0], nodeHash(r[1], sib)]
  }
  const r = runTreeProof(p, end - 1, lo + k, hi, n, old)
  return r && [nodeHash(sib, r[0]), nodeHash(sib, r[1])]
}

/**
 * Reports whether proof shows that the tree of size t with root th contains as a prefix
 * the tree of size n with root h. Throws TlogError for invalid sizes or hash arguments.
 */
export function checkTree(proof: readonly Uint8Array[], t: number, th: Hash, n: number, h: Hash): boolean {
  requireTreeArgs(t, n)
  th = requireHash(th, 'tree hash')
  h = requireHash(h, 'old tree hash')
  if (!isProof(proof)) return false
  const r = runTreeProof(proof, proof.length, 0, t, n, h)
  return r !== null && r[0].equals(h) && r[1].equals(th)
}
