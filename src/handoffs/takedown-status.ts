/**
 * The notice-and-takedown vocabulary destinations report a handoff's progress in, the older values
 * still accepted as aliases, the transitions that make sense, and the INHOPE ICCAM action each
 * status stands for. One module, so that the service, the read views, the statistics and the README
 * say the same thing.
 */

export type TakedownStatus =
  | 'received'
  | 'assessing'
  | 'assessed'
  | 'referred_to_law_enforcement'
  | 'hosting_provider_notified'
  | 'content_removed'
  | 'content_unavailable'
  | 'content_moved'
  | 'rejected'
  | 'closed'

/**
 * The first vocabulary (before issue #11), still accepted in signed status messages so that partners
 * running an older kit keep working; stored and shown as the status it maps to. `rejected` is in
 * both vocabularies.
 */
const STATUS_ALIASES: Readonly<Record<string, TakedownStatus>> = {
  in_review: 'assessing',
  action_taken: 'hosting_provider_notified',
  forwarded_to_law_enforcement: 'referred_to_law_enforcement',
}

/** The status a signed value stands for (itself, or what its alias maps to). */
export function canonicalStatus(value: string): TakedownStatus {
  return (STATUS_ALIASES[value] ?? value) as TakedownStatus
}

/**
 * INHOPE ICCAM actions, under the labels issue #11 names them by: the action a hotline records in ICCAM
 * when it refers a report to law enforcement (LEA), notifies the hosting provider (ISP), and what it later
 * records about the content (removed, unavailable, moved). Statuses with no ICCAM action map to null.
 * INHOPE publishes no ICCAM code list to align these with (checked 2026-11: what-is-iccam,
 * what-is-notice-and-takedown and the Report Box pages at inhope.org; README, Notice and takedown).
 */
export const ICCAM_ACTIONS: Readonly<Record<TakedownStatus, string | null>> = {
  received: null,
  assessing: null,
  assessed: null,
  referred_to_law_enforcement: 'LEA',
  hosting_provider_notified: 'ISP',
  content_removed: 'CONTENT_REMOVED',
  content_unavailable: 'CONTENT_UNAVAILABLE',
  content_moved: 'MOVED',
  rejected: null,
  closed: null,
}

/** Content is gone: what ends re-notices and counts as removal in the statistics. */
export const REMOVAL_STATUSES: readonly TakedownStatus[] = ['content_removed', 'content_unavailable']

/** After these a notice is settled: no re-notice follows. */
export const SETTLES_NOTICE: readonly TakedownStatus[] = [...REMOVAL_STATUSES, 'rejected', 'closed']

// Where each status stands in the life of a notice. A status may follow one at the same or an
// earlier phase; actions and what became of the content (phases 3 and 4) interleave freely (moved
// content gets a new notice to its new host). `rejected` ends the work: only `closed` follows it.
const PHASE: Readonly<Record<TakedownStatus, number>> = {
  received: 0,
  assessing: 1,
  assessed: 2,
  rejected: 2,
  referred_to_law_enforcement: 3,
  hosting_provider_notified: 3,
  content_removed: 4,
  content_unavailable: 4,
  content_moved: 4,
  closed: 5,
}

export interface StatusStep {
  status: TakedownStatus
  outcome?: string | null
}

/** Why `next` cannot follow `last` (undefined: it may). */
export function transitionError(last: StatusStep | undefined, next: TakedownStatus): string | undefined {
  if (!last) return undefined
  if (last.status === 'closed') return 'it is closed'
  if (last.status === 'rejected' && next !== 'closed') return 'it was rejected: only closed may follow'
  if (last.status === 'assessed' && last.outcome === 'not_illegal' && next !== 'closed' && next !== 'assessed')
    return 'it was assessed not illegal: only a new assessment or closed may follow'
  if (next === 'received') return 'received is only the first status'
  const [from, to] = [PHASE[last.status], PHASE[next]]
  if (to >= from || (from >= 3 && to >= 3)) return undefined
  return `${next} cannot follow ${last.status}`
}
