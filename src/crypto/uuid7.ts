import { randomView } from './random-pool.ts'

/** The last timestamp used and the counter within it (RFC 9562 §6.2, method 1: a 12-bit counter in rand_a). */
let lastMs = -1
let counter = 0

/**
 * RFC 9562 UUIDv7: 48-bit Unix milliseconds, a 12-bit counter, then 62 random bits. Ids from one process
 * sort in the order they were made, even within a millisecond or when the clock steps back, which keeps
 * the primary-key index append-mostly and makes "the oldest report of a case" an ORDER BY id (between
 * processes, ids made in the same millisecond may sort either way).
 */
export function uuid7(now = Date.now()): string {
  let ms = Math.max(now, lastMs)
  if (ms === lastMs && counter < MAX_COUNTER) counter += 1
  else {
    if (ms === lastMs) ms += 1 // the counter ran out: borrow the next millisecond, as §6.2 allows
    counter = randomView(2).readUInt16BE(0) & SEED_MASK
  }
  lastMs = ms
  const bytes = Buffer.allocUnsafe(16)
  bytes.writeUIntBE(ms, 0, 6)
  bytes.writeUInt16BE(0x7000 | counter, 6)
  randomView(8).copy(bytes, 8)
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const MAX_COUNTER = 0xfff
/** A fresh millisecond starts its counter at a random value below half, leaving room to count up. */
const SEED_MASK = 0x7ff
