import { isDeepStrictEqual } from 'node:util'
import type { DirectoryDocument, Participant } from './participant.ts'

export interface DirectoryDiff {
  added: string[]
  removed: string[]
  changed: Array<{ id: string; fields: string[] }>
}

/** What a new directory changes against the one in force: the dry run shows this before anything is written. */
export function diffDirectories(before: DirectoryDocument | undefined, after: DirectoryDocument): DirectoryDiff {
  const old = new Map((before?.participants ?? []).map((p) => [p.id, p]))
  const next = new Map(after.participants.map((p) => [p.id, p]))
  const changed: DirectoryDiff['changed'] = []
  for (const [id, participant] of next) {
    const previous = old.get(id)
    if (!previous) continue
    const fields = changedFields(previous, participant)
    if (fields.length > 0) changed.push({ id, fields })
  }
  return {
    added: [...next.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !next.has(id)),
    changed,
  }
}

function changedFields(a: Participant, b: Participant): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Participant>
  return [...keys].filter((key) => !isDeepStrictEqual(a[key], b[key])).sort()
}

export function isEmptyDiff(diff: DirectoryDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0
}

export function describeDiff(diff: DirectoryDiff): string[] {
  return [
    ...diff.added.map((id) => `+ ${id}`),
    ...diff.removed.map((id) => `- ${id}`),
    ...diff.changed.map((c) => `~ ${c.id}: ${c.fields.join(', ')}`),
  ]
}
