// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile coordinates and paths, tile data
// from stored hashes, and entry bundles. Tiles have height 8: a full tile is 256 hashes
// (8,192 bytes). Level-0 tiles hold leaf hashes; each hash of a level-L tile is the root of
// a full level-(L-1) tile, i.e. the stored hash at tlog level 8L.
//
// Paths are the C2SP ones, not the older sumdb "tile/H/L/..." form:
//   tile/<L>/<N>[.p/<W>]        hash tiles, L in 0..63
//   tile/entries/<N>[.p/<W>]    entry bundles
// where N is written in zero-padded 3-digit groups, all but the last prefixed "x"
// (1234067 -> x001/x234/067), and ".p/<W>" marks a partial tile of width 1..255.

import { DECIMAL } from './encoding.ts'
import { HASH_SIZE, MAX_TREE_SIZE, nodeHash, splitStoredHashIndex, storedHashIndex, type Hash, type HashReader } from './tlog.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export const TILE_HEIGHT = 8
export const TILE_WIDTH = 256
const MAX_ENTRY_SIZE = 0xffff

export type TileErrorCode =
  | 'TILE_BAD_PATH' // not a canonical tlog-tiles path
  | 'TILE_BAD_TILE' // tile coordinates out of range
  | 'TILE_BAD_BUNDLE' // entry bundle that cannot be encoded or decoded
  | 'TILE_BAD_DATA' // tile data of the wrong length
  | 'TILE_NOT_IN_TREE' // a hash beyond the tree that a TileHashReader serves
  | 'TILE_INCONSISTENT' // tile data that does not hash to the trusted tree

export class TileError extends GatewayError<TileErrorCode> {
  constructor(code: TileErrorCode, message: string) {
    super(code, `tiles: ${message}`)
  }
}

/** A hash tile: `width` consecutive hashes at tile level `level`, starting at index*256. */
export interface Tile {
  readonly level: number
  readonly index: number
  readonly width: number
}

/** An entry bundle: the entries hashed into level-0 tile `index`. */
export interface EntryBundle {
  readonly index: number
  readonly width: number
}

export type ParsedTilePath = { kind: 'tile'; tile: Tile } | { kind: 'entries'; bundle: EntryBundle }

function validIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

function validWidth(w: number): boolean {
  return Number.isInteger(w) && w >= 1 && w <= TILE_WIDTH
}

function requireTile(t: Tile): void {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > 63 || !validIndex(t.index) || !validWidth(t.width)) {
    throw new TileError('TILE_BAD_TILE', `invalid tile ${JSON.stringify(t)}`)
  }
}

/** The <N>[.p/<W>] part of a path. */
function nPath(index: number, width: number): string {
  let n = index
  let s = String(n % 1000).padStart(3, '0')
  while (n >= 1000) {
    n = Math.floor(n / 1000)
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`
  }
  return width === TILE_WIDTH ? s : `${s}.p/${width}`
}

export function tilePath(tile: Tile): string {
  requireTile(tile)
  return `tile/${tile.level}/${nPath(tile.index, tile.width)}`
}

export function entryBundlePath(bundle: EntryBundle): string {
  if (!validIndex(bundle.index) || !validWidth(bundle.width)) {
    throw new TileError('TILE_BAD_TILE', `invalid entry bundle ${JSON.stringify(bundle)}`)
  }
  return `tile/entries/${nPath(bundle.index, bundle.width)}`
}

/**
 * Parses a tile or entry-bundle path (relative to the log prefix, e.g. "tile/0/x001/067.p/3").
 * Strict: only the canonical encoding is accepted (no extra zero groups, no leading zeros in
 * L or W, W in 1..255, L in 0..63, N a safe integer); anything else is TILE_BAD_PATH.
 */
export function parseTilePath(path: string): ParsedTilePath {
  const bad = (): TileError => new TileError('TILE_BAD_PATH', `malformed tile path ${JSON.stringify(path)}`)
  if (typeof path !== 'string' || path.length > 128) throw bad()
  const f = path.split('/')
  if (f.length < 3 || f[0] !== 'tile') throw bad()
  const entries = f[1] === 'entries'
  let level = 0
  if (!entries) {
    if (!DECIMAL.test(f[1]!)) throw bad()
    level = Number(f[1])
    if (level > 63) throw bad()
  }
  let groups = f.slice(2)
  let width = TILE_WIDTH
  if (groups.length >= 2 && groups[groups.length - 2]!.endsWith('.p')) {
    const w = groups[groups.length - 1]!
    if (!DECIMAL.test(w)) throw bad()
    width = Number(w)
    if (width < 1 || width >= TILE_WIDTH) throw bad()
    groups = groups.slice(0, -1)
    groups[groups.length - 1] = groups[groups.length - 1]!.slice(0, -2)
  }
  let index = 0
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!
    const last = i === groups.length - 1
    if (!(last ? /^[0-9]{3}$/ : /^x[0-9]{3}$/).test(g)) throw bad()
    index = index * 1000 + Number(last ? g : g.slice(1))
  }
  if (!Number.isSafeInteger(index)) throw bad()
  const result: ParsedTilePath = entries ? { kind: 'entries', bundle: { index, width } } : { kind: 'tile', tile: { level, index, width } }
  const canonical = result.kind === 'entries' ? entryBundlePath(result.bundle) : tilePath(result.tile)
  if (canonical !== path) throw bad()
  return result
}

/** Tile of least width holding stored hash `index`, and the byte range of that hash's subtree in its data. */
function locate(index: number): { tile: Tile; start: number; end: number } {
  const [fullLevel, fullN] = splitStoredHashIndex(index)
  const level = Math.floor(fullLevel / TILE_HEIGHT)
  const sub = fullLevel - level * TILE_HEIGHT // level within the tile
  const tileIndex = Math.floor((fullN * 2 ** sub) / TILE_WIDTH)
  const n = fullN - (tileIndex * TILE_WIDTH) / 2 ** sub // n within the tile, at level `sub`
  const span = 2 ** sub
  return { tile: { level, index: tileIndex, width: (n + 1) * span }, start: n * span * HASH_SIZE, end: (n + 1) * span * HASH_SIZE }
}

/** The tile of least width from which stored hash `index` can be computed (Go's TileForIndex). */
export function tileForStoredHash(index: number): Tile {
  return locate(index).tile
}

/** Subtree hash over the 2^k hashes in data. */
function tileHash(data: Buffer): Hash {
  if (data.length === HASH_SIZE) return Buffer.from(data)
  const half = data.length / 2
  return nodeHash(tileHash(data.subarray(0, half)), tileHash(data.subarray(half)))
}

/** Root of a full tile's data: the hash stored for it in the level above. */
export function fullTileHash(data: Buffer): Hash {
  if (data.length !== TILE_WIDTH * HASH_SIZE) throw new TileError('TILE_BAD_DATA', 'not a full tile')
  return tileHash(data)
}

/**
 * The stored hash `index`, computed from `data` of tile `tile`, which must be
 * tileForStoredHash(index) or a wider version of it (Go's HashFromTile).
 */
export function hashFromTile(tile: Tile, data: Buffer, index: number): Hash {
  requireTile(tile)
  if (data.length < tile.width * HASH_SIZE) throw new TileError('TILE_BAD_DATA', `data too short for ${tilePath(tile)}`)
  const { tile: t1, start, end } = locate(index)
  if (tile.level !== t1.level || tile.index !== t1.index || tile.width < t1.width) {
    throw new TileError('TILE_BAD_TILE', `index ${index} is in ${tilePath(t1)} not ${tilePath(tile)}`)
  }
  return tileHash(data.subarray(start, end))
}

/**
 * The tiles to (re)publish when the tree grows from oldSize to newSize: every tile that became
 * full, plus the new rightmost partial tile of each level that changed. Unlike Go's NewTiles
 * (sumdb), intermediate partial widths are not listed: tlog-tiles only needs the partial tiles
 * of checkpointed sizes.
 */
export function newTiles(oldSize: number, newSize: number): Tile[] {
  if (!validIndex(oldSize) || !validIndex(newSize) || oldSize > newSize || newSize > MAX_TREE_SIZE) {
    throw new TileError('TILE_BAD_TILE', `invalid tree sizes ${oldSize} -> ${newSize}`)
  }
  const tiles: Tile[] = []
  for (let level = 0; Math.floor(newSize / TILE_WIDTH ** level) > 0; level++) {
    const oldN = Math.floor(oldSize / TILE_WIDTH ** level)
    const newN = Math.floor(newSize / TILE_WIDTH ** level)
    if (oldN === newN) continue
    const last = Math.floor(newN / TILE_WIDTH)
    for (let n = Math.floor(oldN / TILE_WIDTH); n < last; n++) tiles.push({ level, index: n, width: TILE_WIDTH })
    const width = newN - last * TILE_WIDTH
    if (width > 0) tiles.push({ level, index: last, width })
  }
  return tiles
}

/** All tiles of a tree of the given size (e.g. 70,000: 273 full + 1 partial at level 0, 1 + 1 at level 1, 1 at level 2). */
export function tilesForSize(treeSize: number): Tile[] {
  return newTiles(0, treeSize)
}

/** The entry bundles to publish when the tree grows from oldSize to newSize. */
export function newEntryBundles(oldSize: number, newSize: number): EntryBundle[] {
  return newTiles(oldSize, newSize)
    .filter((t) => t.level === 0)
    .map((t) => ({ index: t.index, width: t.width }))
}

/** Tile data (concatenated hashes) for `tile`, with a single readHashes call. */
export async function readTileData(tile: Tile, r: HashReader): Promise<Buffer> {
  requireTile(tile)
  const start = tile.index * TILE_WIDTH
  const indexes: number[] = []
  for (let i = 0; i < tile.width; i++) indexes.push(storedHashIndex(tile.level * TILE_HEIGHT, start + i))
  const hashes = await r.readHashes(indexes)
  if (hashes.length !== indexes.length || hashes.some((h) => h.length !== HASH_SIZE)) {
    throw new TileError('TILE_BAD_DATA', `ReadHashes(${indexes.length} indexes) returned bad hashes`)
  }
  return Buffer.concat(hashes, indexes.length * HASH_SIZE)
}

/** Serialises 1..256 entries as big-endian uint16 length-prefixed records. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  if (entries.length < 1 || entries.length > TILE_WIDTH) {
    throw new TileError('TILE_BAD_BUNDLE', `an entry bundle holds 1..${TILE_WIDTH} entries, not ${entries.length}`)
  }
  const parts: Buffer[] = []
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw new TileError('TILE_BAD_BUNDLE', `entry of ${e.length} bytes exceeds ${MAX_ENTRY_SIZE}`)
    const len = Buffer.alloc(2)
    len.writeUInt16BE(e.length)
    parts.push(len, Buffer.from(e.buffer, e.byteOffset, e.byteLength))
  }
  return Buffer.concat(parts)
}

/** Parses an entry bundle; with `width`, also checks the entry count. Strict about truncation. */
export function decodeEntryBundle(buf: Uint8Array, width?: number): Buffer[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const entries: Buffer[] = []
  let pos = 0
  while (pos < b.length) {
    if (entries.length === TILE_WIDTH) throw new TileError('TILE_BAD_BUNDLE', `more than ${TILE_WIDTH} entries`)
    if (pos + 2 > b.length) throw new TileError('TILE_BAD_BUNDLE', 'truncated length prefix')
    const len = b.readUInt16BE(pos)
    pos += 2
    if (pos + len > b.length) throw new TileError('TILE_BAD_BUNDLE', 'truncated entry')
    entries.push(Buffer.from(b.subarray(pos, pos + len)))
    pos += len
  }
  if (entries.length === 0) throw new TileError('TILE_BAD_BUNDLE', 'empty entry bundle')
  if (width !== undefined && entries.length !== width) {
    throw new TileError('TILE_BAD_BUNDLE', `bundle has ${entries.length} entries, expected ${width}`)
  }
  return entries
}
