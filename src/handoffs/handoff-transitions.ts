import { HANDOFF_COLUMNS, type HandoffRow } from './handoff-store.ts'

/**
 * A handoff's life, in one place: which state may follow which, and the statement that makes each
 * move. A handoff is born `pending` by intake (migrations/functions/intake_report.sql); every later
 * change of its `state`, and of its retraction's or re-notice's own state, is one of the statements
 * below (or, for many receipts at once, in receipt-batch.ts with the guard `leaving` gives). Each is
 * guarded by the states its move may leave, so that a move a concurrent change made
 * illegal changes nothing (0 rows) instead of happening. Changes that move no state (attempts and
 * leases, last_error, escalation and re-notice flags, purges) stay with the module that makes them.
 */
export type HandoffState = HandoffRow['state']

interface Move {
  from: readonly HandoffState[]
  to: readonly HandoffState[]
}

/** Every move a handoff's state can make, by what makes it. A state no move leaves is final. */
export const MOVES = {
  /** The signing worker: signed (ready), unbuildable (failed), or its report was retracted meanwhile (withdrawn). */
  settle: { from: ['pending'], to: ['ready', 'failed', 'withdrawn'] },
  /** A delivery mode's attempt that the destination took. */
  push: { from: ['ready'], to: ['sent'] },
  /** The destination fetched it from its inbox; a dead letter fetched there has reached its destination after all. */
  fetch: { from: ['ready', 'dead_letter'], to: ['sent'] },
  /** The destination's signed receipt. */
  receive: { from: ['ready', 'sent'], to: ['received'] },
  /** Pushes kept failing for DELIVERY_MAX_AGE_MS after signing. */
  deadLetter: { from: ['ready'], to: ['dead_letter'] },
  /** An operator re-queues a dead letter (redeliver), or an urgent one is escalated. */
  requeue: { from: ['dead_letter'], to: ['ready'] },
  /** Its report was retracted while no destination can hold it: signed but never offered, or a dead letter. */
  withdraw: { from: ['ready', 'dead_letter'], to: ['withdrawn'] },
} as const satisfies Record<string, Move>

export type MoveName = keyof typeof MOVES

/** Whether `move` may leave `state`. */
export function mayMove(move: MoveName, state: HandoffState): boolean {
  return (MOVES[move].from as readonly HandoffState[]).includes(state)
}

/** Whether any move takes a handoff from `from` to `to`. */
export function isTransition(from: HandoffState, to: HandoffState): boolean {
  return Object.values(MOVES).some((move: Move) => move.from.includes(from) && move.to.includes(to))
}

/**
 * The guard of `move`'s statement: `<column> IN (<the states it may leave>)`. Exported for the batch
 * statements of receipt-batch.ts, which compose a move with its audit entries in one round trip.
 */
export function leaving(move: MoveName, column = 'state'): string {
  return `${column} IN (${MOVES[move].from.map((state) => `'${state}'`).join(', ')})`
}

/** `<column> IN (<the states move may enter>)`, for a statement that takes the new state as data. */
function entering(move: MoveName, column: string): string {
  return `${column} IN (${MOVES[move].to.map((state) => `'${state}'`).join(', ')})`
}

/**
 * The handoffs named in `ids` (an SQL uuid[] expression), locked in id order, with what a move's guard
 * reads. A statement that moves handoffs it is given by id joins them here and guards on these columns,
 * never on `handoffs` directly: addressed by primary key alone, the planner cannot choose instead a
 * partial index of waiting handoffs (handoffs_inbox, handoffs_available, handoffs_push) that
 * statistics taken while few waited call tiny, and then scan a whole backlog for every batch
 * (bench/README.md, session 6: 131 ms for each batch of 100 receipts during a 50,000 backlog; the
 * inbox's fetch ANDed the whole of handoffs_available with the primary key).
 */
export function lockedById(ids: string): string {
  return `SELECT id, participant_id, state, manifest_sha256 FROM handoffs WHERE id = ANY(${ids}) ORDER BY id FOR UPDATE`
}

// settle: each claimed row (locked by the worker's claim) as the worker settled it, in one statement
export const SETTLE = `
  UPDATE handoffs h
     SET state = x.state, payload = x.payload, payload_media_type = x.payload_media_type, payload_sha256 = x.payload_sha256,
         manifest = x.manifest, manifest_sha256 = x.manifest_sha256, signed_at = x.signed_at, last_error = x.last_error,
         available_seq = CASE WHEN x.state = 'ready' THEN nextval('handoffs_available_seq') END
    FROM jsonb_to_recordset($1) AS x(id uuid, state text, payload text, payload_media_type text, payload_sha256 text,
                                     manifest text, manifest_sha256 text, signed_at timestamptz, last_error text)
   WHERE h.id = x.id AND ${leaving('settle', 'h.state')} AND ${entering('settle', 'x.state')}`

// receive, the common case in one statement without a transaction (the performance-critical path, see
// bench/README.md): a good receipt (claims checked by the caller) for a handoff addressed to its signer
export const RECEIVED_AT_ONCE = `
  WITH t AS MATERIALIZED (${lockedById('ARRAY[$1::uuid]')})
  UPDATE handoffs h SET state = 'received', receipt = $3, receipt_sha256 = $4, receipt_kid = $5, receipt_jwk = $6, received_at = $7
    FROM t, reports r
   WHERE h.id = t.id AND t.participant_id = $2 AND ${leaving('receive', 't.state')} AND t.manifest_sha256 = $8 AND r.id = h.report_id
  RETURNING ${HANDOFF_COLUMNS}`

// receive, on the row the caller locked and checked
export const RECEIVED = `
  UPDATE handoffs SET state = 'received', receipt = $2, receipt_sha256 = $3, receipt_kid = $4, receipt_jwk = $5, received_at = $6
   WHERE id = $1 AND ${leaving('receive')}`

// fetch: the first fetch of each marks it sent; a concurrent fetch waits on the row and then finds it sent
export const FETCHED = `
  WITH t AS MATERIALIZED (${lockedById('$1::uuid[]')})
  UPDATE handoffs h SET state = 'sent', sent_at = now() FROM t WHERE h.id = t.id AND ${leaving('fetch', 't.state')} RETURNING h.id`

// deadLetter: one process gives up on it; the entry is written only if the row changed
export const DEAD_LETTERED = `
  UPDATE handoffs SET state = 'dead_letter', last_error = $2, next_attempt_at = NULL WHERE id = $1 AND ${leaving('deadLetter')}`

// requeue by an operator: the same signed bytes under the same id, tried at once
export const REQUEUED = `
  UPDATE handoffs SET state = 'ready', attempts = 0, next_attempt_at = NULL WHERE id = $1 AND ${leaving('requeue')}`

// Escalation of urgent handoffs left without a receipt: exactly one process escalates each (the row
// lock and `escalated_at IS NULL` decide); a dead letter among them is re-queued, to be sent now.
export const ESCALATED = `
  UPDATE handoffs h SET escalated_at = now(), next_attempt_at = NULL,
                        state = CASE WHEN ${leaving('requeue', 'h.state')} THEN 'ready' ELSE h.state END
   WHERE h.id IN (SELECT id FROM handoffs
                   WHERE urgent AND escalated_at IS NULL AND state IN ('pending', 'ready', 'sent', 'dead_letter')
                     AND created_at <= now() - $1 * interval '1 millisecond'
                   ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING h.id, h.participant_id, h.state`

// withdraw: signed but never offered (no push attempt made, never fetched), or a dead letter: nobody holds it
export const WITHDRAWN = `
  UPDATE handoffs SET state = 'withdrawn', next_attempt_at = NULL
   WHERE report_id = $1 AND ${leaving('withdraw')} AND (state <> 'ready' OR attempts = 0)
  RETURNING id, case_id, participant_id`

/**
 * The messages the gateway sends about a handoff it delivered each have a state of their own, in the
 * handoff's `<kind>_state`: none until signed, `ready` when signed, `sent` once pushed or fetched, and
 * for a retraction `received` with the destination's receipt. A re-notice signed again replaces the last.
 */
export type SideKind = 'retraction' | 'renotice'

/** "Sent" for each kind of message, one statement each (`RETURNING id`), for the dispatcher's audited change. */
export const SENT = {
  handoff: `UPDATE handoffs SET state = 'sent', sent_at = now(), next_attempt_at = NULL, last_error = NULL
             WHERE id = $1 AND ${leaving('push')} RETURNING id`,
  retraction: `UPDATE handoffs SET retraction_state = 'sent', retraction_sent_at = now(), retraction_next_attempt_at = NULL
                WHERE id = $1 AND retraction_state = 'ready' RETURNING id`,
  renotice: `UPDATE handoffs SET renotice_state = 'sent', renotice_sent_at = now(), renotice_next_attempt_at = NULL
              WHERE id = $1 AND renotice_state = 'ready' RETURNING id`,
} as const

// retractions the destination fetched from its inbox
export const RETRACTIONS_FETCHED = `
  UPDATE handoffs SET retraction_state = 'sent', retraction_sent_at = now()
   WHERE id = ANY($1::uuid[]) AND retraction_state = 'ready'
  RETURNING id, retraction_sha256`

// Re-notices not fetched yet (a platform has not removed the content); fetching marks them sent.
export const RENOTICES_FETCHED = `
  UPDATE handoffs SET renotice_state = 'sent', renotice_sent_at = now()
   WHERE id IN (SELECT id FROM handoffs WHERE participant_id = $1 AND renotice_state = 'ready' AND renotice_seq > $2
                 ORDER BY renotice_seq LIMIT 100 FOR UPDATE SKIP LOCKED)
  RETURNING id AS handoff_id, renotice, renotice_sha256, renotice_seq`

// a retraction signed for each handoff its destination may hold (selected and locked by the caller, once)
export const RETRACTIONS_SIGNED = `
  UPDATE handoffs h SET retraction = x.jws, retraction_sha256 = x.sha256, retraction_state = 'ready',
                        retraction_seq = nextval('handoffs_available_seq')
    FROM jsonb_to_recordset($1) AS x(id uuid, jws text, sha256 text)
   WHERE h.id = x.id AND h.retraction_state IS NULL`

// a re-notice signed (again), each from its row the caller locked
export const RENOTICES_SIGNED = `
  UPDATE handoffs h SET renotice = x.jws, renotice_sha256 = x.sha256, renotice_state = 'ready', renotices = h.renotices + 1,
                        renotice_signed_at = now(), renotice_attempts = 0, renotice_next_attempt_at = NULL, renotice_sent_at = NULL,
                        renotice_seq = nextval('handoffs_available_seq')
    FROM jsonb_to_recordset($1) AS x(id uuid, jws text, sha256 text)
   WHERE h.id = x.id`

// the destination's receipt for a retraction it was sent (or fetched, or takes now from the push answer)
export const RETRACTION_RECEIVED = `
  UPDATE handoffs SET retraction_state = 'received', retraction_receipt = $2, retraction_receipt_sha256 = $3, retraction_received_at = $4,
                      retraction_sent_at = coalesce(retraction_sent_at, $4)
   WHERE id = $1 AND retraction_state IN ('ready', 'sent')`
