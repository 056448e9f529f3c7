import type pg from 'pg'
import type { Principal } from '../auth/access.ts'
import { HandoffError } from './handoff-error.ts'
import { commitChange } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import { FETCHED, RENOTICES_FETCHED, RETRACTIONS_FETCHED } from './handoff-transitions.ts'
import type { InboxSignals } from './inbox-signals.ts'

const COLUMNS = `h.id, h.case_id, h.report_id, r.sender_id AS sender, h.format, h.urgent, h.manifest, h.manifest_sha256,
                 h.payload, h.payload_media_type, h.payload_sha256, h.signed_at, h.state, h.available_seq`

// Locked, so that a handoff withdrawn meanwhile (its report retracted) is passed over, never served.
// Without a cursor: everything not yet receipted, urgent first, then oldest.
const ALL = `
  SELECT ${COLUMNS} FROM handoffs h JOIN reports r ON r.id = h.report_id
   WHERE h.participant_id = $1 AND h.state IN ('ready', 'sent', 'dead_letter')
   ORDER BY h.urgent DESC, h.created_at
   LIMIT $2
     FOR UPDATE OF h`

// After a cursor: what became available since, in that order (urgent handoffs are signed first).
const AFTER = `
  SELECT ${COLUMNS} FROM handoffs h JOIN reports r ON r.id = h.report_id
   WHERE h.participant_id = $1 AND h.state IN ('ready', 'sent', 'dead_letter') AND h.available_seq > $3
   ORDER BY h.available_seq
   LIMIT $2
     FOR UPDATE OF h`

// Retractions the destination has not receipted, in place order (few: one per retracted handoff).
const RETRACTIONS = `
  SELECT id AS handoff_id, retraction, retraction_sha256, retraction_state, retraction_seq FROM handoffs
   WHERE participant_id = $1 AND retraction_state IN ('ready', 'sent') AND retraction_seq > $2
   ORDER BY retraction_seq
   LIMIT 100`

/** The longest a request may wait for a handoff (s): below every proxy's idle timeout we know of. */
const MAX_WAIT_SECONDS = 30

export interface InboxQuery {
  limit: number
  /** From an earlier answer's next_cursor: only what became available after it. */
  cursor?: string
  /** Seconds to wait for a handoff when there is none (long poll). */
  wait?: number
}

interface RetractionRow {
  handoff_id: string
  retraction: string
  retraction_sha256: string
  retraction_state: 'ready' | 'sent'
  retraction_seq: number
}

interface RenoticeRow {
  handoff_id: string
  renotice: string
  renotice_sha256: string
  renotice_seq: string | number
}

interface Row {
  id: string
  state: string
  signed_at: Date
  available_seq: number
  manifest_sha256: string
  urgent: boolean
  [column: string]: unknown
}

/**
 * The pull inbox: handoffs addressed to the caller, not yet receipted. The first fetch of each marks it
 * sent (once). With `wait` an empty answer is held until a handoff becomes available (a NOTIFY from
 * whichever gateway process signed it) or the wait runs out; with `cursor` only newer handoffs count,
 * so a partner that has what it fetched is not answered at once with the same handoffs again.
 */
export function createInbox({ pool, signals }: { pool: pg.Pool; signals: InboxSignals }) {
  async function fetch(principal: Principal, query: InboxQuery) {
    const me = principal.participant.id
    const after = query.cursor === undefined ? undefined : placeOf(query.cursor)
    const deadline = Date.now() + Math.min(query.wait ?? 0, MAX_WAIT_SECONDS) * 1000
    for (;;) {
      const subscription = query.wait ? signals.subscribe(me) : undefined // before looking: nothing slips between
      try {
        const page = await take(me, query.limit, after)
        if (page.handoffs.length + page.retractions.length + page.renotices.length > 0 || !subscription || Date.now() >= deadline) return page
        await subscription.until(deadline)
      } finally {
        subscription?.cancel()
      }
    }
  }

  async function take(me: string, limit: number, after: number | undefined) {
    return commitChange(pool, async (tx) => {
      const { rows } = await tx.query<Row>(after === undefined ? ALL : AFTER, after === undefined ? [me, limit] : [me, limit, after])
      const { rows: retractions } = await tx.query<RetractionRow>(RETRACTIONS, [me, after ?? 0])
      // a dead letter fetched here has reached its destination after all
      const unsent = rows.filter((row) => row.state !== 'sent').map((row) => row.id)
      // a concurrent fetch waits on the row and then finds it sent: one handoff.sent entry each
      const { rows: marked } = await tx.query<{ id: string }>(FETCHED, [unsent])
      const unsentRetractions = retractions.filter((r) => r.retraction_state === 'ready').map((r) => r.handoff_id)
      const { rows: told } = await tx.query<{ id: string; retraction_sha256: string }>(RETRACTIONS_FETCHED, [unsentRetractions])
      const { rows: renotices } = await tx.query<RenoticeRow>(RENOTICES_FETCHED, [me, after ?? 0])
      const at = new Date().toISOString()
      const byId = new Map(rows.map((row) => [row.id, row]))
      const ordered = after === undefined ? rows : [...rows].sort((a, b) => Number(b.urgent) - Number(a.urgent))
      const sent = (id: string, digest: Record<string, string>) => ({ at, handoff_id: id, destination: me, mode: 'pull', ...digest })
      return {
        result: {
          handoffs: ordered.map(({ state: _state, available_seq: _seq, signed_at, ...row }) => ({ ...row, signed_at: signed_at.toISOString() })),
          retractions: retractions.map(({ handoff_id, retraction, retraction_sha256 }) => ({ handoff_id, retraction, retraction_sha256 })),
          renotices: renotices.map(({ handoff_id, renotice, renotice_sha256 }) => ({ handoff_id, renotice, renotice_sha256 })),
          next_cursor: cursorOf(
            nextPlace(rows, limit, [retractions.map((r) => r.retraction_seq), renotices.map((r) => Number(r.renotice_seq))], after),
          ),
        },
        audit: [
          ...marked.map(({ id }) => ({ type: 'handoff.sent', ...sent(id, { manifest_sha256: byId.get(id)!.manifest_sha256 }) })),
          ...told.map(({ id, retraction_sha256 }) => ({ type: 'handoff.retraction_sent', ...sent(id, { retraction_sha256 }) })),
          ...renotices.map(({ handoff_id, renotice_sha256 }) => ({ type: 'handoff.renotice_sent', ...sent(handoff_id, { renotice_sha256 }) })),
        ],
        link: linkEntries([...marked.map(({ id }) => id), ...told.map(({ id }) => id), ...renotices.map((r) => r.handoff_id)]),
      }
    })
  }

  return { fetch }
}

/**
 * Where the next request should start so that nothing is skipped: every open handoff, retraction and re-notice
 * at or before it has been answered. A part of the page in place order that was cut at its limit
 * bounds it by its last place; the handoffs without a cursor (urgency order), cut at the limit, by 0,
 * as any older place may have been passed over. Some may then come again: they carry the same bytes.
 */
function nextPlace(rows: Row[], limit: number, sides: number[][], after: number | undefined): number {
  const handoffPlaces = rows.map((row) => row.available_seq)
  const bounds: number[] = []
  // without a cursor a full page in urgency order may have passed over older places: start again from 0
  if (rows.length === limit) bounds.push(after === undefined ? 0 : Math.max(...handoffPlaces))
  // retractions and re-notices come 100 at a time, in place order
  for (const places of sides) if (places.length === 100) bounds.push(Math.max(...places))
  if (bounds.length > 0) return Math.max(after ?? 0, Math.min(...bounds))
  return Math.max(after ?? 0, ...handoffPlaces, ...sides.flat())
}

function cursorOf(place: number): string {
  return Buffer.from(`v1.${place}`).toString('base64url')
}

function placeOf(cursor: string): number {
  const match = /^v1\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) {
    throw new HandoffError('HANDOFF_CURSOR_INVALID', 'cursor is not one this gateway gave out: pass next_cursor from an earlier answer, or none', {
      fieldErrors: [{ in: 'query', pointer: '/cursor', message: 'must be a next_cursor from an earlier answer' }],
    })
  }
  return Number(match[1])
}
