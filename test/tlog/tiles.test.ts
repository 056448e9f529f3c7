import t from 'tap'
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entryBundlePath,
  hashFromTile,
  newEntryBundles,
  newTiles,
  parseTilePath,
  readTileData,
  TileError,
  tileForStoredHash,
  tilePath,
  tilesForSize,
  type Tile,
} from '../../src/tlog/tiles.ts'
import { tileHashReader, type TileReader } from '../helpers/tile-hash-reader.ts'
import { appendLeaves, proveRecord, proveTree, recordHash, storedHashCount, storedHashIndex, treeHash } from '../../src/tlog/tlog.ts'
import { makeRecords, MemoryHashStore, NaiveTree } from '../audit/helpers.ts'

async function buildBig(records: Buffer[]): Promise<MemoryHashStore> {
  const store = new MemoryHashStore()
  for (const s of await appendLeaves(0, records.map(recordHash), store)) store.hashes[s.index] = s.hash
  store.resetCounters()
  return store
}

t.test('tile paths: tlog-tiles spec and Tessera layout examples', async (t) => {
  // c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
  t.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067')
  t.equal(tilePath({ level: 0, index: 1234067, width: 89 }), 'tile/0/x001/x234/067.p/89')
  // transparency-dev/trillian-tessera api/layout/paths_test.go
  t.equal(tilePath({ level: 0, index: 0, width: 256 }), 'tile/0/000')
  t.equal(tilePath({ level: 0, index: 0, width: 255 }), 'tile/0/000.p/255')
  t.equal(tilePath({ level: 1, index: 0, width: 1 }), 'tile/1/000.p/1')
  t.equal(tilePath({ level: 1, index: 0, width: 4 }), 'tile/1/000.p/4')
  t.equal(tilePath({ level: 15, index: 455667, width: 256 }), 'tile/15/x455/667')
  t.equal(tilePath({ level: 3, index: 1234567, width: 256 }), 'tile/3/x001/x234/567')
  t.equal(tilePath({ level: 15, index: 123456789, width: 256 }), 'tile/15/x123/x456/789')
  t.equal(entryBundlePath({ index: 0, width: 256 }), 'tile/entries/000')
  t.equal(entryBundlePath({ index: 0, width: 255 }), 'tile/entries/000.p/255')
  t.equal(entryBundlePath({ index: 1, width: 1 }), 'tile/entries/001.p/1')
  t.equal(entryBundlePath({ index: 123456789, width: 256 }), 'tile/entries/x123/x456/789')
  t.equal(entryBundlePath({ index: 123456789000, width: 256 }), 'tile/entries/x123/x456/x789/000')
  t.equal(tilePath({ level: 0, index: 1000, width: 256 }), 'tile/0/x001/000')
  t.equal(tilePath({ level: 63, index: Number.MAX_SAFE_INTEGER, width: 7 }), 'tile/63/x009/x007/x199/x254/x740/991.p/7')

  t.same(parseTilePath('tile/0/x001/x234/067'), { kind: 'tile', tile: { level: 0, index: 1234067, width: 256 } })
  t.same(parseTilePath('tile/0/x001/x234/067.p/89'), { kind: 'tile', tile: { level: 0, index: 1234067, width: 89 } })
  t.same(parseTilePath('tile/0/001'), { kind: 'tile', tile: { level: 0, index: 1, width: 256 } })
  t.same(parseTilePath('tile/63/x999/x999/x999/x999/999.p/255'), { kind: 'tile', tile: { level: 63, index: 999999999999999, width: 255 } })
  t.same(parseTilePath('tile/entries/x123/x456/789'), { kind: 'entries', bundle: { index: 123456789, width: 256 } })
  t.same(parseTilePath('tile/entries/000.p/1'), { kind: 'entries', bundle: { index: 0, width: 1 } })

  // Round trip over many coordinates.
  for (const index of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 65535, 999999, 1000000, 2 ** 44 + 3]) {
    for (const width of [1, 2, 100, 255, 256]) {
      for (const level of [0, 1, 2, 10, 63]) {
        const tile = { level, index, width }
        t.same(parseTilePath(tilePath(tile)), { kind: 'tile', tile })
      }
      t.same(parseTilePath(entryBundlePath({ index, width })), { kind: 'entries', bundle: { index, width } })
    }
  }
})

t.test('tile paths: strict rejection', async (t) => {
  const bad = [
    '',
    'tile',
    'tile/0',
    'tile/0/',
    '/tile/0/000',
    'tile/0/000/',
    'tiles/0/000',
    'tile/64/000', // level > 63
    'tile/-1/000',
    'tile/00/000', // leading zero in level
    'tile/abc/000',
    'tile/0/x001/x234/067.p/', // (Tessera's parser test cases)
    'tile/0/x001/x234/067.p',
    'tile/0/x001/x234/',
    'tile/0/x001/x234',
    'tile/0/x001/',
    'tile/0/x001',
    'tile/1/x001/.p/abc',
    'tile/8/001/002',
    'tile/8/x001/0002',
    'tile/8/x001/-002',
    'tile/8/x001/002.p/256', // partial width must be < 256
    'tile/0/000.p/0',
    'tile/0/000.p/007', // leading zeros in width
    'tile/0/000.p/+7',
    'tile/0/000.p/1/2',
    'tile/0/x000/001', // non-canonical: leading zero group
    'tile/0/x000/x001/002',
    'tile/0/1',
    'tile/0/0001',
    'tile/0/x1/000',
    'tile/0/X001/000',
    'tile/0/x001.p/000',
    'tile/0/000.q/5',
    'tile/0/ 000',
    'tile/0/00a',
    'tile/data/000', // the old sumdb form
    'tile/8/0/000', // sumdb tile/H/L/N
    'tile/entries/000.p/256',
    'tile/entries/',
    'tile/entries',
    'tile/0/x999/x999/x999/x999/x999/999', // beyond 2^53
    'tile/0/０００', // full-width digits
  ]
  for (const p of bad) {
    t.throws(() => parseTilePath(p), { code: 'TILE_BAD_PATH' }, JSON.stringify(p))
  }
  t.throws(() => parseTilePath(42 as unknown as string), TileError)
  t.throws(() => tilePath({ level: 64, index: 0, width: 256 }), { code: 'TILE_BAD_TILE' })
  t.throws(() => tilePath({ level: 0, index: -1, width: 256 }), { code: 'TILE_BAD_TILE' })
  t.throws(() => tilePath({ level: 0, index: 0, width: 0 }), { code: 'TILE_BAD_TILE' })
  t.throws(() => tilePath({ level: 0, index: 0, width: 257 }), { code: 'TILE_BAD_TILE' })
  t.throws(() => tilePath({ level: 0, index: 0.5, width: 256 }), { code: 'TILE_BAD_TILE' })
  t.throws(() => entryBundlePath({ index: 2 ** 53, width: 256 }), { code: 'TILE_BAD_TILE' })
})

t.test('tiles for a tree size (tlog-tiles spec examples)', async (t) => {
  // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
  // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
  // partial level 2 tile of width 1."
  const tiles = tilesForSize(70000)
  const at = (level: number) => tiles.filter((x) => x.level === level)
  t.equal(at(0).filter((x) => x.width === 256).length, 273)
  t.same(
    at(0).filter((x) => x.width !== 256),
    [{ level: 0, index: 273, width: 112 }],
  )
  t.same(at(1), [
    { level: 1, index: 0, width: 256 },
    { level: 1, index: 1, width: 17 },
  ])
  t.same(at(2), [{ level: 2, index: 0, width: 1 }])
  t.equal(tiles.length, 273 + 1 + 2 + 1)
  // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
  t.same(tilesForSize(256), [
    { level: 0, index: 0, width: 256 },
    { level: 1, index: 0, width: 1 },
  ])
  t.same(tilesForSize(0), [])
  t.same(tilesForSize(1), [{ level: 0, index: 0, width: 1 }])

  // Growth: only tiles that changed.
  t.same(newTiles(100, 100), [])
  t.same(newTiles(100, 101), [{ level: 0, index: 0, width: 101 }])
  t.same(newTiles(250, 260), [
    { level: 0, index: 0, width: 256 },
    { level: 0, index: 1, width: 4 },
    { level: 1, index: 0, width: 1 },
  ])
  t.same(newTiles(256, 300), [{ level: 0, index: 1, width: 44 }], 'level 1 unchanged: 300 >> 8 == 256 >> 8')
  t.same(newTiles(511, 513), [
    { level: 0, index: 1, width: 256 },
    { level: 0, index: 2, width: 1 },
    { level: 1, index: 0, width: 2 },
  ])
  t.same(newEntryBundles(250, 260), [
    { index: 0, width: 256 },
    { index: 1, width: 4 },
  ])
  // Every tile of the final tree is produced by some growth step, widths as in tilesForSize.
  const seen = new Map<string, number>()
  let size = 0
  for (const step of [1, 3, 250, 2, 256, 1000, 65536, 7]) {
    for (const x of newTiles(size, size + step)) seen.set(`${x.level}/${x.index}`, x.width)
    size += step
  }
  const final = tilesForSize(size)
  t.equal(seen.size, final.length)
  for (const x of final) t.equal(seen.get(`${x.level}/${x.index}`), x.width)
  t.throws(() => newTiles(5, 4), { code: 'TILE_BAD_TILE' })
  t.throws(() => newTiles(0, 2 ** 53), { code: 'TILE_BAD_TILE' })
})

t.test('readTileData matches naive Merkle tree hashes', async (t) => {
  const N = 70000
  const records = makeRecords(N)
  const store = await buildBig(records)
  const naive = new NaiveTree(records)
  const check = async (tile: Tile) => {
    store.resetCounters()
    const data = await readTileData(tile, store)
    t.equal(store.calls, 1, `${tilePath(tile)}: one readHashes call`)
    t.equal(data.length, tile.width * 32)
    // Spec: hash i of tile (l, n) is MTH(D[(n*256 + i) * 256**l : (n*256 + i + 1) * 256**l]).
    const span = 256 ** tile.level
    let ok = true
    for (let i = 0; i < tile.width; i++) {
      const lo = (tile.index * 256 + i) * span
      if (!data.subarray(i * 32, (i + 1) * 32).equals(naive.mth(lo, lo + span))) ok = false
    }
    t.ok(ok, `${tilePath(tile)} hashes equal the spec's MTH formula`)
  }
  for (const tile of tilesForSize(N).filter((x) => x.level > 0 || x.index % 50 === 0 || x.width < 256)) await check(tile)

  // hashFromTile / tileForStoredHash reconstruct interior hashes from tile data.
  for (const index of [0, 1, 2, 6, 254, 509, 510, 511, 1000, 65535, storedHashIndex(8, 3), storedHashIndex(12, 1), storedHashIndex(16, 0)]) {
    const tile = tileForStoredHash(index)
    const data = await readTileData(tile, store)
    t.ok(hashFromTile(tile, data, index).equals(store.hashes[index]!), `stored hash ${index} from ${tilePath(tile)}`)
    const full = { level: tile.level, index: tile.index, width: 256 }
    if ((tile.index + 1) * 256 * 256 ** tile.level <= N) {
      t.ok(hashFromTile(full, await readTileData(full, store), index).equals(store.hashes[index]!), 'also from the full tile')
    }
  }
  t.throws(() => hashFromTile({ level: 0, index: 1, width: 256 }, Buffer.alloc(8192), 0), { code: 'TILE_BAD_TILE' })
  t.throws(() => hashFromTile({ level: 0, index: 0, width: 256 }, Buffer.alloc(100), 0), { code: 'TILE_BAD_DATA' })
  await t.rejects(readTileData({ level: 0, index: 0, width: 2 }, { readHashes: async () => [Buffer.alloc(32)] }), { code: 'TILE_BAD_DATA' })
})

t.test('entry bundles', async (t) => {
  const entries = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(65535, 7), new Uint8Array([1, 2, 3])]
  const enc = encodeEntryBundle(entries)
  t.equal(enc.subarray(0, 7).toString('hex'), '000568656c6c6f', 'big-endian uint16 length prefix')
  t.equal(enc.length, 2 * 4 + 5 + 0 + 65535 + 3)
  const dec = decodeEntryBundle(enc)
  t.equal(dec.length, 4)
  dec.forEach((e, i) => t.ok(e.equals(Buffer.from(entries[i]!)), `entry ${i}`))
  t.same(decodeEntryBundle(enc, 4).length, 4)
  t.throws(() => decodeEntryBundle(enc, 5), { code: 'TILE_BAD_BUNDLE' })
  t.throws(() => decodeEntryBundle(enc.subarray(0, enc.length - 1)), { code: 'TILE_BAD_BUNDLE' }, 'truncated entry')
  t.throws(() => decodeEntryBundle(Buffer.from([0x00])), { code: 'TILE_BAD_BUNDLE' }, 'truncated prefix')
  t.throws(() => decodeEntryBundle(Buffer.alloc(0)), { code: 'TILE_BAD_BUNDLE' }, 'empty bundle')
  t.throws(() => decodeEntryBundle(Buffer.alloc(2 * 257)), { code: 'TILE_BAD_BUNDLE' }, '257 empty entries')
  t.equal(decodeEntryBundle(Buffer.alloc(2 * 256)).length, 256, '256 empty entries')
  t.throws(() => encodeEntryBundle([]), { code: 'TILE_BAD_BUNDLE' })
  t.throws(() => encodeEntryBundle(Array.from({ length: 257 }, () => Buffer.alloc(1))), { code: 'TILE_BAD_BUNDLE' })
  t.throws(() => encodeEntryBundle([Buffer.alloc(65536)]), { code: 'TILE_BAD_BUNDLE' })

  // A full bundle's entries hash to the level-0 tile.
  const records = makeRecords(300)
  const store = await buildBig(records)
  const bundle = decodeEntryBundle(encodeEntryBundle(records.slice(256, 300)), 44)
  const tile = await readTileData({ level: 0, index: 1, width: 44 }, store)
  t.ok(Buffer.concat(bundle.map(recordHash)).equals(tile), 'bundle entries hash to the level-0 tile')
})

t.test('tileHashReader: proofs from authenticated tiles', async (t) => {
  const N = 70000
  const store = await buildBig(makeRecords(N))
  const root = await treeHash(N, store)
  let fetched = 0
  const honest: TileReader = {
    readTiles: async (tiles) => {
      fetched += tiles.length
      return Promise.all(tiles.map((x) => readTileData(x, store)))
    },
  }
  const r = tileHashReader(N, root, honest)
  t.ok((await treeHash(N, r)).equals(root), 'tree hash from tiles')
  for (const [size, n] of [
    [N, 0],
    [N, 5000],
    [N, 65535],
    [N, 65536],
    [N, 69999],
    [70000, 1234],
    [40000, 39999],
    [65536, 100],
  ] as const) {
    const want = await proveRecord(size, n, store)
    t.same(
      (await proveRecord(size, n, r)).map((h) => h.toString('hex')),
      want.map((h) => h.toString('hex')),
      `inclusion ${n} in ${size}`,
    )
  }
  for (const m of [1, 255, 256, 257, 65536, 69000]) {
    const want = await proveTree(N, m, store)
    t.same(
      (await proveTree(N, m, r)).map((h) => h.toString('hex')),
      want.map((h) => h.toString('hex')),
      `consistency ${m} -> ${N}`,
    )
  }
  t.ok(fetched > 0)
  await t.rejects(r.readHashes([storedHashCount(N) + 5]), { code: 'TILE_NOT_IN_TREE' })

  // Any corrupted tile is caught, including tiles that only authenticate through a parent.
  for (const victim of ['2/0', '1/1', '0/273', '1/0', '0/19']) {
    const bad: TileReader = {
      readTiles: async (tiles) =>
        Promise.all(
          tiles.map(async (x) => {
            const d = await readTileData(x, store)
            if (`${x.level}/${x.index}` === victim) d[d.length - 1]! ^= 1
            return d
          }),
        ),
    }
    await t.rejects(proveRecord(N, 5000, tileHashReader(N, root, bad)), { code: 'TILE_INCONSISTENT' }, `corrupt tile ${victim}`)
  }
  const wrongRoot = Buffer.from(root)
  wrongRoot[0]! ^= 1
  await t.rejects(treeHash(N, tileHashReader(N, wrongRoot, honest)), { code: 'TILE_INCONSISTENT' })
  const short: TileReader = { readTiles: async (tiles) => tiles.map(() => Buffer.alloc(32)) }
  await t.rejects(treeHash(N, tileHashReader(N, root, short)), { code: 'TILE_BAD_DATA' })
})
