/**
 * Drops properties whose value is undefined, so mapped objects have no `key: undefined` entries:
 * those are invisible to JSON but not to deep equality, canonicalisation or `in` checks.
 */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v
  return out as T
}

/** An array, or undefined when it is empty (optional arrays are omitted, never empty). */
export function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length === 0 ? undefined : values
}
