import t from 'tap'
import {
  appendLeaves,
  recordHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashes,
  storedHashesForRecordHash,
  storedHashIndex,
  treeHash,
  type HashReader,
} from '../../src/tlog/tlog.ts'
import { buildStore, makeRecords, MemoryHashStore, NaiveTree } from './helpers.ts'

t.test('batched append equals one-by-one append, with one read per batch', async (t) => {
  const TOTAL = 1000
  const records = makeRecords(TOTAL)
  const leafHashes = records.map(recordHash)
  const reference = await buildStore(records) // record by record via storedHashes
  t.equal(reference.hashes.length, storedHashCount(TOTAL))

  // Uneven batches: singletons, primes, a power of two, an exact tile, a few hundred at once.
  const sizes = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 1, 256, 7, 300, 64, 17, 3, 1, 119]
  t.equal(
    sizes.reduce((a, b) => a + b, 0),
    TOTAL,
  )
  const store = new MemoryHashStore()
  let size = 0
  let batches = 0
  for (const k of sizes) {
    store.resetCounters()
    const before = store.hashes.length
    const out = await appendLeaves(size, leafHashes.slice(size, size + k), store)
    batches++
    // At most one read per batch; every index asked at most once; only pre-existing hashes read.
    t.ok(store.calls <= 1, `batch of ${k} at ${size}: ${store.calls} read call(s)`)
    for (const call of store.log) {
      t.equal(new Set(call).size, call.length, 'no duplicate index in the read')
      t.ok(
        call.every((i) => i < before),
        'only hashes that existed before the batch are read',
      )
      t.ok(call.length <= Math.ceil(Math.log2(size + 1)) + 1, `reads O(log n) hashes (${call.length})`)
    }
    if (size === 0) t.equal(store.calls, 0, 'the first batch needs no read')
    // Results are consecutive from storedHashIndex(0, size) and land in the right coordinates.
    t.equal(out[0]!.index, storedHashIndex(0, size))
    t.equal(out[out.length - 1]!.index, storedHashCount(size + k) - 1)
    out.forEach((s, j) => {
      if (s.index !== before + j) t.fail('indexes are not consecutive')
      store.hashes[s.index] = s.hash
    })
    size += k
    t.ok((await treeHash(size, store)).equals(await treeHash(size, reference)), `tree hash at ${size}`)
  }
  t.equal(batches, sizes.length)
  t.equal(store.hashes.length, reference.hashes.length, 'same number of stored hashes')
  let mismatches = 0
  for (let i = 0; i < reference.hashes.length; i++) if (!store.hashes[i]!.equals(reference.hashes[i]!)) mismatches++
  t.equal(mismatches, 0, 'every stored hash identical to one-by-one appending')
  t.ok((await treeHash(TOTAL, store)).equals(new NaiveTree(records).mth()), 'root equals naive MTH')

  // Each produced hash is the node its index says it is.
  const naive = new NaiveTree(records)
  for (const i of [0, 1, 2, 6, 14, 500, 1000, store.hashes.length - 1]) {
    const [level, n] = splitStoredHashIndex(i)
    const lo = n * 2 ** level
    t.ok(store.hashes[i]!.equals(naive.mth(lo, lo + 2 ** level)), `stored hash ${i} = MTH of level ${level} node ${n}`)
  }
})

t.test('one-by-one storedHashes makes one read per record, appendLeaves one per batch', async (t) => {
  const records = makeRecords(300)
  const one = new MemoryHashStore()
  for (let n = 0; n < records.length; n++) one.hashes.push(...(await storedHashes(n, records[n]!, one)))
  t.equal(one.calls, 300, 'Go-style appending: one ReadHashes per record')

  const batch = new MemoryHashStore()
  batch.hashes = one.hashes.slice(0, storedHashCount(44))
  const out = await appendLeaves(44, records.slice(44).map(recordHash), batch)
  t.equal(batch.calls, 1, 'batched: one ReadHashes for 256 records')
  t.ok(batch.indexesRead <= 3, `and only ${batch.indexesRead} hashes read (44 = 32 + 8 + 4)`)
  t.same(
    out.map((s) => s.hash.toString('hex')),
    one.hashes.slice(storedHashCount(44)).map((h) => h.toString('hex')),
  )
})

t.test('appendLeaves edge cases', async (t) => {
  const store = new MemoryHashStore()
  t.same(await appendLeaves(0, [], store), [], 'empty batch')
  t.equal(store.calls, 0)
  await t.rejects(appendLeaves(-1, [], store), { code: 'TLOG_BAD_RANGE' })
  await t.rejects(appendLeaves(0, [Buffer.alloc(31)], store), { code: 'TLOG_BAD_HASH' })
  await t.rejects(appendLeaves(2 ** 52, [recordHash(Buffer.alloc(0))], store), { code: 'TLOG_BAD_RANGE' })
  const failing: HashReader = {
    readHashes: async () => {
      throw new Error('db down')
    },
  }
  await t.rejects(appendLeaves(1, [recordHash(Buffer.from('b'))], failing), { message: 'db down' }, 'reader errors propagate')
  await t.rejects(storedHashesForRecordHash(0, Buffer.alloc(5), store), { code: 'TLOG_BAD_HASH' })
})
