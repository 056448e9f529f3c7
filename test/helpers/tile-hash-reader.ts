// Test-side only: the client half of the tile API, used by the tests to check served tiles the way an
// auditor's tool would. (Kept out of src/ until a command of ours reads tiles.)
// A HashReader that answers from (untrusted) tlog-tiles tile data and checks every tile it
// uses against a trusted tree head first: a port of Go's tlog.TileHashReader with height 8.
// Hashes it returns are therefore proven to be in the tree of the given size and root, so
// proveRecord / proveTree / treeHash can run client-side on fetched tiles.

import { subTreeIndex } from '../../src/tlog/tlog-core.ts'
import { HASH_SIZE, nodeHash, storedHashIndex, type Hash, type HashReader } from '../../src/tlog/tlog.ts'
import { fullTileHash, hashFromTile, TILE_HEIGHT, TILE_WIDTH, TileError, tileForStoredHash, tilePath, type Tile } from '../../src/tlog/tiles.ts'

export interface TileReader {
  /** Data for each tile, in order; each must be exactly width * 32 bytes. */
  readTiles(tiles: Tile[]): Promise<Uint8Array[]>
  /** Called with tiles once they have been authenticated (e.g. to cache them). */
  saveTiles?(tiles: Tile[], data: Buffer[]): void | Promise<void>
}

const key = (t: Tile): string => `${t.level}/${t.index}/${t.width}`

/** t's k'th parent tile in a tree of `size` records, or null if there is none. */
function tileParent(t: Tile, k: number, size: number): Tile | null {
  const level = t.level + k
  const index = Math.floor(t.index / TILE_WIDTH ** k)
  const max = Math.floor(size / TILE_WIDTH ** level) // hashes at this tile level
  let width = TILE_WIDTH
  if (index * TILE_WIDTH + width >= max) {
    if (index * TILE_WIDTH >= max) return null
    width = max - index * TILE_WIDTH
  }
  return { level, index, width }
}

/** A HashReader over tiles of the tree with `treeSize` records and root `root`. */
export function tileHashReader(treeSize: number, root: Hash, tr: TileReader): HashReader {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) throw new TileError('TILE_NOT_IN_TREE', `invalid tree size ${treeSize}`)
  if (root.length !== HASH_SIZE) throw new TileError('TILE_BAD_DATA', 'root is not a 32-byte hash')
  const limit = storedHashIndex(0, treeSize)

  return {
    async readHashes(indexes: number[]): Promise<Hash[]> {
      const order = new Map<string, number>()
      const tiles: Tile[] = []
      const add = (t: Tile): number => {
        order.set(key(t), tiles.length)
        tiles.push(t)
        return tiles.length - 1
      }

      // Tiles needed to recompute the tree hash; if it matches, they are authenticated.
      const stx = subTreeIndex(0, treeSize, [])
      const stxTile = stx.map((x) => {
        const t = tileParent(tileForStoredHash(x), 0, treeSize)!
        return order.get(key(t)) ?? add(t)
      })

      // Tiles holding the indexes, plus any parents needed to authenticate them.
      const indexTile = indexes.map((x) => {
        if (!Number.isSafeInteger(x) || x < 0 || x >= limit) throw new TileError('TILE_NOT_IN_TREE', `index ${x} not in tree of size ${treeSize}`)
        const tile = tileForStoredHash(x)
        let found = -1
        let k = 0
        // Walk up until a tile already planned (and so authenticated first) is found.
        for (; ; k++) {
          if (k > 8) throw new TileError('TILE_INCONSISTENT', `bad math in tileHashReader: no parent for index ${x}`)
          const p = tileParent(tile, k, treeSize)
          const j = p && order.get(key(p))
          if (j !== undefined && j !== null) {
            if (k === 0) found = j
            break
          }
        }
        // Walk back down, planning children after their parents.
        for (k--; k >= 0; k--) {
          const p = tileParent(tile, k, treeSize)!
          if (p.width !== TILE_WIDTH) throw new TileError('TILE_INCONSISTENT', `bad math in tileHashReader: ${tilePath(p)}`)
          const j = add(p)
          if (k === 0) found = j
        }
        return found
      })

      const raw = await tr.readTiles(tiles)
      if (raw.length !== tiles.length) throw new TileError('TILE_BAD_DATA', `readTiles returned ${raw.length} tiles, want ${tiles.length}`)
      const data = raw.map((d, i) => {
        if (d.length !== tiles[i]!.width * HASH_SIZE) throw new TileError('TILE_BAD_DATA', `bad data length for ${tilePath(tiles[i]!)}`)
        return Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      })

      // Authenticate the tree-hash tiles against the trusted root.
      let th = hashFromTile(tiles[stxTile[stx.length - 1]!]!, data[stxTile[stx.length - 1]!]!, stx[stx.length - 1]!)
      for (let i = stx.length - 2; i >= 0; i--) {
        th = nodeHash(hashFromTile(tiles[stxTile[i]!]!, data[stxTile[i]!]!, stx[i]!), th)
      }
      if (!th.equals(root)) throw new TileError('TILE_INCONSISTENT', 'downloaded inconsistent tile')

      // Authenticate every other (full) tile against its parent, parents first. (Go's loop
      // starts at len(stx), which can skip tiles when several stx hashes share a tile.)
      for (let i = 0; i < tiles.length; i++) {
        if (stxTile.includes(i)) continue
        const tile = tiles[i]!
        const p = tileParent(tile, 1, treeSize)
        const j = p && order.get(key(p))
        if (!p || j === undefined || j === null) throw new TileError('TILE_INCONSISTENT', `lost parent of ${tilePath(tile)}`)
        const want = hashFromTile(p, data[j]!, storedHashIndex(p.level * TILE_HEIGHT, tile.index))
        if (!want.equals(fullTileHash(data[i]!))) throw new TileError('TILE_INCONSISTENT', 'downloaded inconsistent tile')
      }
      await tr.saveTiles?.(tiles, data)

      return indexes.map((x, i) => hashFromTile(tiles[indexTile[i]!]!, data[indexTile[i]!]!, x))
    },
  }
}
