import t from 'tap'
import { readFileSync } from 'node:fs'
import {
  checkRecord,
  checkTree,
  emptyTreeHash,
  MAX_TREE_SIZE,
  nodeHash,
  proveRecord,
  proveTree,
  recordHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashes,
  storedHashIndex,
  TlogError,
  treeHash,
  type Hash,
  type HashReader,
} from '../../src/tlog/tlog.ts'
import { buildStore, dh, hex, makeRecords, MemoryHashStore, NaiveTree } from '../audit/helpers.ts'

// ---- RFC 6962 / Certificate Transparency reference vectors ------------------------
// Source: transparency-dev/merkle proof/verify_test.go (the vectors inherited from
// google/certificate-transparency's C++ merkle_tree_test): `leaves`, `roots`,
// `inclusionProofs` (leaf numbers there are 1-based) and `consistencyProofs`.
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(dh)
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
const CT_INCLUSION: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
]
const CT_CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]

/** checkX that treats a TlogError for an out-of-range argument as "does not verify". */
function verifies(f: () => boolean): boolean {
  try {
    return f()
  } catch (e) {
    if (e instanceof TlogError && e.code === 'TLOG_BAD_RANGE') return false
    throw e
  }
}

/** Left/right pattern of the RFC 9162 PATH(n, D[0:size]) (which side each sibling is on). */
function pathShape(n: number, size: number): string {
  if (size === 1) return ''
  let k = 1
  while (k * 2 < size) k *= 2
  return n < k ? pathShape(n, k) + 'L' : pathShape(n - k, size - k) + 'R'
}

/** Structure of the RFC 9162 SUBPROOF(m, D[0:size], true). */
function proofShape(m: number, size: number, b = true): string {
  if (m === size) return b ? 'E' : 'S'
  let k = 1
  while (k * 2 < size) k *= 2
  return m <= k ? proofShape(m, k, b) + 'L' : proofShape(m - k, size - k, false) + 'R'
}

function flipped(proof: Hash[], i: number, byte: number): Hash[] {
  const p = proof.map((h) => Buffer.from(h))
  p[i]![byte]! ^= 0x01
  return p
}

t.test('hash functions', async (t) => {
  t.equal(hex(emptyTreeHash), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  t.equal(hex(recordHash(Buffer.alloc(0))), CT_ROOTS[0], 'leaf hash of the empty leaf is the size-1 root')
  const l = recordHash(dh('00'))
  const r = recordHash(dh('10'))
  t.equal(hex(nodeHash(recordHash(dh('')), l)), CT_ROOTS[1])
  t.ok(nodeHash(l, r).equals(nodeHash(Buffer.from(l), Buffer.from(r))))
  t.equal(hex(await treeHash(0, new MemoryHashStore())), hex(emptyTreeHash), 'treeHash(0) is SHA-256("")')
})

t.test('CT reference vectors: roots for every size 1..8', async (t) => {
  const store = await buildStore(CT_LEAVES)
  for (let n = 1; n <= 8; n++) {
    t.equal(hex(await treeHash(n, store)), CT_ROOTS[n - 1], `root of size ${n}`)
  }
  // Naive RFC 9162 implementation agrees too.
  const naive = new NaiveTree(CT_LEAVES)
  for (let n = 1; n <= 8; n++) t.equal(hex(naive.mth(0, n)), CT_ROOTS[n - 1])
})

t.test('CT reference vectors: inclusion proofs', async (t) => {
  const store = await buildStore(CT_LEAVES)
  for (const v of CT_INCLUSION) {
    const n = v.leaf - 1
    const proof = await proveRecord(v.size, n, store)
    t.same(proof.map(hex), v.proof, `proof for leaf ${n} in tree ${v.size}`)
    const root = dh(CT_ROOTS[v.size - 1]!)
    t.ok(checkRecord(v.proof.map(dh), v.size, root, n, recordHash(CT_LEAVES[n]!)), 'vector proof verifies')
    t.notOk(checkRecord(v.proof.map(dh), v.size, root, n, recordHash(Buffer.from('WrongLeaf'))), 'wrong leaf fails')
  }
})

t.test('CT reference vectors: consistency proofs', async (t) => {
  const store = await buildStore(CT_LEAVES)
  for (const v of CT_CONSISTENCY) {
    const proof = await proveTree(v.size2, v.size1, store)
    t.same(proof.map(hex), v.proof, `consistency ${v.size1} -> ${v.size2}`)
    const r1 = dh(CT_ROOTS[v.size1 - 1]!)
    const r2 = dh(CT_ROOTS[v.size2 - 1]!)
    t.ok(checkTree(v.proof.map(dh), v.size2, r2, v.size1, r1), 'vector proof verifies')
    if (v.size1 !== v.size2) {
      t.notOk(checkTree(v.proof.map(dh), v.size2, r1, v.size1, r2), 'swapped roots fail')
      t.notOk(checkTree([], v.size2, r2, v.size1, r1), 'empty proof fails')
    }
  }
})

t.test('real Certificate Transparency log proofs (Argon 2020)', async (t) => {
  const v = JSON.parse(readFileSync(new URL('../audit/vectors/ct-argon2020.json', import.meta.url), 'utf8'))
  const b64 = (s: string) => Buffer.from(s, 'base64')
  const root = b64(v.sth.sha256_root_hash)
  const leaf = recordHash(b64(v.leaf_input))
  const audit = v.audit_path.map(b64) as Hash[]
  t.ok(checkRecord(audit, v.sth.tree_size, root, v.leaf_index, leaf), 'inclusion of leaf 10000 in a 961,984,013-entry tree')
  t.notOk(checkRecord(audit, v.sth.tree_size, root, v.leaf_index + 1, leaf), 'wrong index fails')
  t.notOk(checkRecord(flipped(audit, 5, 7), v.sth.tree_size, root, v.leaf_index, leaf), 'flipped byte fails')
  const cons = v.consistency.map(b64) as Hash[]
  t.ok(checkTree(cons, v.sth.tree_size, root, v.consistency_old_size, b64(v.consistency_old_hash)), 'consistency 3654490 -> 961984013')
  t.notOk(checkTree(cons, v.sth.tree_size, root, v.consistency_old_size - 1, b64(v.consistency_old_hash)))
  t.notOk(checkTree(flipped(cons, 0, 0), v.sth.tree_size, root, v.consistency_old_size, b64(v.consistency_old_hash)))
})

t.test('stored hash index math', async (t) => {
  // Spot values: records 0..3 store h(0) | h(1) h(0..1) | h(2) | h(3) h(2..3) h(0..3)
  t.equal(storedHashIndex(0, 0), 0)
  t.equal(storedHashIndex(0, 1), 1)
  t.equal(storedHashIndex(1, 0), 2)
  t.equal(storedHashIndex(0, 2), 3)
  t.equal(storedHashIndex(0, 3), 4)
  t.equal(storedHashIndex(1, 1), 5)
  t.equal(storedHashIndex(2, 0), 6)
  t.equal(storedHashCount(0), 0)
  t.equal(storedHashCount(1), 1)
  t.equal(storedHashCount(2), 3)
  t.equal(storedHashCount(4), 7)
  t.equal(storedHashCount(5), 8)
  // Exhaustive inverse over the first 5000 indexes, and every stored hash is accounted for.
  const seen = new Set<number>()
  for (let i = 0; i < 5000; i++) {
    const [level, n] = splitStoredHashIndex(i)
    if (storedHashIndex(level, n) !== i) t.fail(`split/join mismatch at ${i}`)
    seen.add(i)
  }
  t.equal(seen.size, 5000)
  for (let n = 0; n < 3000; n++) {
    const count = storedHashCount(n + 1) - storedHashCount(n)
    // record n adds 1 + trailing ones of n hashes
    let tz = 0
    for (let x = n; x % 2 === 1; x = (x - 1) / 2) tz++
    if (count !== 1 + tz) t.fail(`storedHashCount step at ${n}`)
    if (storedHashIndex(0, n) !== storedHashCount(n)) t.fail(`record ${n} not stored right after the ${n}-record tree`)
  }
  // Large values stay exact (no 32-bit bitwise truncation).
  const big = 2 ** 40 + 12345
  for (const level of [0, 1, 7, 20]) {
    const n = Math.floor(big / 2 ** level)
    t.same(splitStoredHashIndex(storedHashIndex(level, n)), [level, n], `round trip level ${level} near 2^40`)
  }
  t.equal(storedHashCount(MAX_TREE_SIZE), Number.MAX_SAFE_INTEGER, 'the largest tree still has safe indexes')
  t.throws(() => storedHashCount(MAX_TREE_SIZE + 1), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => storedHashIndex(0, 2 ** 53), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => storedHashIndex(-1, 0), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => storedHashIndex(0, 1.5), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => splitStoredHashIndex(-1), { code: 'TLOG_BAD_RANGE' })
})

t.test('every proof for every tree size 1..100 matches naive RFC 9162', async (t) => {
  const MAX = 100
  const records = makeRecords(MAX)
  const store = await buildStore(records)
  const naive = new NaiveTree(records)
  const leafHashes = records.map(recordHash)
  let inclusion = 0
  let consistency = 0
  let rejected = 0
  const fail = (msg: string) => t.fail(msg)

  for (let size = 1; size <= MAX; size++) {
    const root = naive.mth(0, size)
    store.resetCounters()
    const th = await treeHash(size, store)
    if (!th.equals(root)) fail(`treeHash(${size})`)
    if (store.calls !== 1) fail(`treeHash(${size}) made ${store.calls} reads`)

    for (let n = 0; n < size; n++) {
      store.resetCounters()
      const proof = await proveRecord(size, n, store)
      if (store.calls > 1) fail(`proveRecord(${size}, ${n}) made ${store.calls} reads`)
      const want = naive.path(n, 0, size)
      if (proof.map(hex).join() !== want.map(hex).join()) fail(`inclusion proof (${size}, ${n}) differs from PATH`)
      if (!checkRecord(proof, size, root, n, leafHashes[n]!)) fail(`inclusion proof (${size}, ${n}) does not verify`)
      inclusion++
      // Corruptions: a flipped byte in each element, in the leaf and in the root; wrong index and size.
      for (let i = 0; i < proof.length; i++) {
        if (checkRecord(flipped(proof, i, (size + n + i) % 32), size, root, n, leafHashes[n]!)) fail(`flip (${size},${n},${i})`)
        else rejected++
      }
      const badLeaf = Buffer.from(leafHashes[n]!)
      badLeaf[n % 32]! ^= 0x80
      const badRoot = Buffer.from(root)
      badRoot[size % 32]! ^= 0x80
      const probes: [string, () => boolean][] = [
        ['leaf', () => checkRecord(proof, size, root, n, badLeaf)],
        ['root', () => checkRecord(proof, size, badRoot, n, leafHashes[n]!)],
        ['n-1', () => checkRecord(proof, size, root, n - 1, leafHashes[n]!)],
        ['n+1', () => checkRecord(proof, size, root, n + 1, leafHashes[n]!)],
        ['size*2', () => checkRecord(proof, size * 2, root, n, leafHashes[n]!)],
        ['extra', () => checkRecord([...proof, root], size, root, n, leafHashes[n]!)],
        ['short', () => proof.length > 0 && checkRecord(proof.slice(1), size, root, n, leafHashes[n]!)],
      ]
      for (const [name, probe] of probes) {
        if (verifies(probe)) fail(`probe ${name} verified for (${size}, ${n})`)
        else rejected++
      }
      // RFC 6962 audit paths do not commit to the exact tree size: a neighbouring size verifies
      // exactly when it induces the same path shape (checkpoints bind the size by signing it).
      for (const other of [size - 1, size + 1]) {
        const same = other > n && pathShape(n, other) === pathShape(n, size)
        if (verifies(() => checkRecord(proof, other, root, n, leafHashes[n]!)) !== same) fail(`size ${other} vs ${size} for ${n}`)
        else if (!same) rejected++
      }
    }

    for (let m = 1; m <= size; m++) {
      store.resetCounters()
      const proof = await proveTree(size, m, store)
      if (store.calls > 1) fail(`proveTree(${size}, ${m}) made ${store.calls} reads`)
      const want = naive.proof(m, size)
      if (proof.map(hex).join() !== want.map(hex).join()) fail(`consistency proof ${m} -> ${size} differs from SUBPROOF`)
      const old = naive.mth(0, m)
      if (!checkTree(proof, size, root, m, old)) fail(`consistency ${m} -> ${size} does not verify`)
      consistency++
      if (m === size) continue
      for (let i = 0; i < proof.length; i++) {
        if (checkTree(flipped(proof, i, (size + m + i) % 32), size, root, m, old)) fail(`flip (${m}->${size},${i})`)
        else rejected++
      }
      const probes: [string, () => boolean][] = [
        ['old root', () => checkTree(proof, size, root, m, root)],
        ['new root', () => checkTree(proof, size, old, m, old)],
        ['m-1', () => checkTree(proof, size, root, m - 1, old)],
        ['m+1', () => checkTree(proof, size, root, m + 1, old)],
        ['empty', () => checkTree([], size, root, m, old)],
        ['extra', () => checkTree([...proof, old], size, root, m, old)],
        ['truncated', () => checkTree(proof.slice(0, -1), size, root, m, old)],
      ]
      for (const [name, probe] of probes) {
        if (verifies(probe)) fail(`probe ${name} verified for ${m} -> ${size}`)
        else rejected++
      }
      for (const other of [size - 1, size + 1]) {
        const same = other >= m && proofShape(m, other) === proofShape(m, size)
        if (verifies(() => checkTree(proof, other, root, m, old)) !== same) fail(`new size ${other} vs ${size} for ${m}`)
        else if (!same) rejected++
      }
    }
  }
  t.equal(inclusion, (MAX * (MAX + 1)) / 2, 'all inclusion proofs checked')
  t.equal(consistency, (MAX * (MAX + 1)) / 2, 'all consistency proofs checked')
  t.ok(rejected > 50000, `${rejected} corrupted proofs rejected`)
})

t.test('every byte of a proof matters', async (t) => {
  // Exhaustive single-bit flips for a handful of shapes (the all-pairs test flips one byte per element).
  const records = makeRecords(37)
  const store = await buildStore(records)
  const root = await treeHash(37, store)
  for (const n of [0, 18, 31, 32, 36]) {
    const proof = await proveRecord(37, n, store)
    for (let i = 0; i < proof.length; i++) {
      for (let b = 0; b < 32; b++) {
        if (checkRecord(flipped(proof, i, b), 37, root, n, recordHash(records[n]!))) t.fail(`inclusion flip ${n}/${i}/${b}`)
      }
    }
  }
  for (const m of [1, 5, 16, 20, 36]) {
    const proof = await proveTree(37, m, store)
    const old = await treeHash(m, store)
    for (let i = 0; i < proof.length; i++) {
      for (let b = 0; b < 32; b++) {
        if (checkTree(flipped(proof, i, b), 37, root, m, old)) t.fail(`consistency flip ${m}/${i}/${b}`)
      }
    }
  }
  t.pass('no single-byte corruption verified')
})

t.test('argument validation and reader contract', async (t) => {
  const store = await buildStore(makeRecords(8))
  const h = recordHash(Buffer.from('x'))
  await t.rejects(proveRecord(0, 0, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(proveRecord(8, 8, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(proveRecord(8, -1, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(proveRecord(2 ** 53, 0, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(proveTree(8, 0, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(proveTree(8, 9, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(treeHash(-1, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(treeHash(1.5, store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(storedHashes(-1, Buffer.alloc(0), store), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => checkRecord([], 0, h, 0, h), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => checkRecord([], 1, h, 1, h), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => checkTree([], 1, h, 0, h), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => checkTree([], 1, h, 2, h), { code: 'TLOG_BAD_RANGE' })
  t.throws(() => checkRecord([], 1, Buffer.alloc(31), 0, h), { code: 'TLOG_BAD_HASH' })
  t.throws(() => checkTree([], 1, h, 1, Buffer.alloc(33)), { code: 'TLOG_BAD_HASH' })
  t.ok(checkRecord([], 1, h, 0, h), 'single-entry tree: empty proof, root == leaf')
  t.ok(checkTree([], 5, h, 5, h), 'same size, same root: empty proof')
  t.notOk(checkTree([h], 5, h, 5, h), 'same size: a non-empty proof fails')
  t.notOk(checkRecord([Buffer.alloc(31)], 2, h, 0, h), 'short proof element fails, no throw')
  t.notOk(checkRecord(['nope' as unknown as Hash], 2, h, 0, h), 'non-bytes proof element fails')
  const t1 = new TlogError('TLOG_BAD_RANGE', 'x')
  t.ok(t1 instanceof Error)
  t.equal(t1.name, 'TlogError')

  const short: HashReader = { readHashes: async (ix) => ix.slice(1).map(() => h) }
  await t.rejects(treeHash(8, short), { code: 'TLOG_READER_MISMATCH' })
  const malformed: HashReader = { readHashes: async (ix) => ix.map(() => Buffer.alloc(16)) }
  await t.rejects(proveRecord(8, 3, malformed), { code: 'TLOG_READER_MISMATCH' })
  const u8: HashReader = { readHashes: async (ix) => (await store.readHashes(ix)).map((x) => new Uint8Array(x) as Hash) }
  t.ok((await treeHash(8, u8)).equals(await treeHash(8, store)), 'Uint8Array answers are accepted')
  await t.rejects(storedHashes(3, Buffer.from('x'), short), { code: 'TLOG_READER_MISMATCH' })
})
