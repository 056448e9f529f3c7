import { randomFillSync } from 'node:crypto'

/**
 * Cryptographically secure random bytes drawn from a 4 KiB buffer refilled by one randomFillSync:
 * one call per few hundred ids or nonces instead of one each (each call showed in intake profiles).
 * Every byte is handed out once. The returned view is overwritten at the next refill: callers copy
 * it (or use it synchronously) before they next yield.
 */
const pool = Buffer.alloc(4096)
let offset = pool.length

export function randomView(size: number): Buffer {
  if (size > pool.length) throw new RangeError(`at most ${pool.length} random bytes at a time`)
  if (offset + size > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  offset += size
  return pool.subarray(offset - size, offset)
}
