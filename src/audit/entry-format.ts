import { isDeepStrictEqual } from 'node:util'
import { decodeBase64Std } from '../tlog/encoding.ts'

/**
 * How an entry travels in API answers and evidence: its index, `leaf` (base64 of the exact bytes that
 * were hashed, the only thing a verifier trusts) and `entry`, the same bytes decoded as JSON for people
 * (null if they are not JSON, which a healthy log never stores).
 */
export interface PresentedEntry {
  index: number
  leaf: string
  entry: Record<string, unknown> | null
}

export function presentEntry(index: number, bytes: Buffer): PresentedEntry {
  return { index, leaf: bytes.toString('base64'), entry: decodeEntry(bytes) }
}

function decodeEntry(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** The leaf bytes of a presented entry, or why they cannot be trusted: bad base64, or a decoded form that says something else. */
export function leafBytes(presented: PresentedEntry): Buffer | string {
  const bytes = decodeBase64Std(presented.leaf)
  if (!bytes) return `entry ${presented.index}: leaf is not standard base64`
  if (!isDeepStrictEqual(decodeEntry(bytes), presented.entry)) return `entry ${presented.index}: the decoded entry does not match its leaf bytes`
  return bytes
}
