import { intakeToReceipt } from '../ops/metrics.ts'
import type pg from 'pg'
import type { Principal } from '../auth/access.ts'
import type { Participant } from '../directory/participant.ts'
import { sha256Hex } from '../crypto/jws.ts'
import { toFieldErrors } from '../http/field-errors.ts'
import { schemaValidator } from '../http/schema-files.ts'
import { commitChange } from '../state/commit.ts'
import { changeWithEntry, linkEntries } from './handoff-audit.ts'
import { HandoffError } from './handoff-error.ts'
import { receiveMany, type CheckedReceipt, type PostedReceipt } from './receipt-batch.ts'
import { loadHandoff, presentHandoff, requireVisible, type HandoffRow } from './handoff-store.ts'
import { mayMove, RECEIVED, RECEIVED_AT_ONCE, REQUEUED, RETRACTION_RECEIVED } from './handoff-transitions.ts'
import type { ParticipantKeys } from './participant-keys.ts'
import { queueNotification, type NotifyEndpointOf } from './status-notifications.ts'
import { canonicalStatus, SETTLES_NOTICE, transitionError } from './takedown-status.ts'
import {
  HANDOFF_RECEIPT_TYP,
  HANDOFF_STATUS_TYP,
  RETRACTION_RECEIPT_TYP,
  SignedMessageError,
  verifySigned,
  type VerifiedMessage,
} from './signed-message.ts'

/** Status messages a handoff keeps at most (its evidence carries them all). */
const MAX_STATUSES = 50

export type HandoffService = ReturnType<typeof createHandoffService>

/** The destination's receipts and status messages, redelivery, and reads; every change through commitChange. */
export function createHandoffService({ pool, keysOf }: { pool: pg.Pool; keysOf: ParticipantKeys }) {
  async function get(id: string, principal: Principal) {
    return presentHandoff(requireVisible(await loadHandoff(pool, id), id, principal))
  }

  async function receipt(id: string, participant: Participant, jws: string) {
    return checkedReceipt(participant, await checkReceipt(participant, id, jws))
  }

  /** A receipt checkReceipt has verified: in one statement when plain, else as lockedReceipt answers it. */
  async function checkedReceipt(participant: Participant, checked: CheckedReceipt) {
    return (await receivedAtOnce(participant, checked)) ?? lockedReceipt(participant, checked)
  }

  /**
   * A destination's receipts for many handoffs at once (a pull partner receipting an inbox page): each
   * verified, the plain ones taken in one statement, each answered as if it had been posted alone.
   */
  async function receipts(participant: Participant, posted: PostedReceipt[]) {
    const checked = await Promise.all(posted.map((item) => checkReceipt(participant, item.handoff_id, item.receipt)))
    return receiveMany(pool, participant.id, checked, {
      event: (c, signed, at) => receivedEvent(participant.id, c, signed, at),
      single: (c) => lockedReceipt(participant, c),
      taken: (row) => {
        intakeToReceipt.observe((row.received_at!.getTime() - new Date(row.created_at).getTime()) / 1000)
        return presentHandoff({ ...row, statuses: [] }) // a handoff has statuses only after its receipt
      },
    })
  }

  /** A receipt verified outside any transaction, and whether it is the plain case the one-statement paths take. */
  async function checkReceipt(participant: Participant, handoffId: string, receipt: string): Promise<CheckedReceipt> {
    const verification = await verifyOutside(participant, receipt, HANDOFF_RECEIPT_TYP, 'receipt')
    const plain = await plainReceipt(verification.message, handoffId)
    return { handoff_id: handoffId, receipt, digest: sha256Hex(receipt), plain, verification }
  }

  /**
   * The common case in one statement, without a transaction: a good receipt for a handoff that waits
   * for one. Anything else (undefined) is left to lockedReceipt, which answers it as it always did.
   */
  async function receivedAtOnce(participant: Participant, { handoff_id: id, receipt: jws, digest, plain: signed }: CheckedReceipt) {
    if (!signed) return undefined
    const at = new Date()
    const manifestSha256 = signed.claims.manifest_sha256 as string
    const row = await changeWithEntry<HandoffRow>(pool, {
      change: RECEIVED_AT_ONCE,
      params: [id, participant.id, jws, digest, signed.kid, JSON.stringify(signed.jwk), at, manifestSha256],
      event: receiptEvent(id, participant.id, manifestSha256, digest, signed.kid, at),
    })
    if (row) intakeToReceipt.observe((at.getTime() - new Date(row.created_at).getTime()) / 1000)
    return row && presentHandoff({ ...row, statuses: [] }) // a handoff has statuses only after its receipt
  }

  async function lockedReceipt(participant: Participant, { handoff_id: id, receipt: jws, digest, verification }: CheckedReceipt) {
    let tookSeconds: number | undefined
    const receipted = await commitChange(pool, async (tx) => {
      const row = await addressedTo(tx, id, participant)
      if (row.state === 'received') {
        if (row.receipt_sha256 === digest) return { result: presentHandoff(row), audit: [] }
        throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id} already has another receipt`)
      }
      if (!mayMove('receive', row.state))
        throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id} is ${row.state}; there is nothing to receipt`)
      const signed = verification.result()
      await checkClaims('handoff-receipt-claims.json', signed, row, 'receipt')
      const at = new Date()
      tookSeconds = (at.getTime() - row.created_at.getTime()) / 1000
      await tx.query(RECEIVED, [id, jws, digest, signed.kid, JSON.stringify(signed.jwk), at])
      return {
        result: presentHandoff({ ...row, state: 'received', receipt: jws, receipt_sha256: digest, received_at: at }),
        audit: [receiptEvent(id, row.participant_id, row.manifest_sha256!, digest, signed.kid, at)],
        link: linkEntries([id]),
      }
    })
    if (tookSeconds !== undefined) intakeToReceipt.observe(tookSeconds)
    return receipted
  }

  /** `notifyEndpointOf`: where the report's sender wants status changes sent (its directory entry's delivery.notify_endpoint). */
  async function status(id: string, participant: Participant, jws: string, notifyEndpointOf: NotifyEndpointOf = () => undefined) {
    const digest = sha256Hex(jws)
    const verification = await verifyOutside(participant, jws, HANDOFF_STATUS_TYP, 'status')
    return commitChange(pool, async (tx) => {
      const row = await addressedTo(tx, id, participant)
      if (row.statuses.some((s) => s.sha256 === digest)) return { result: presentHandoff(row), audit: [] }
      if (row.state !== 'received') throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id} has no receipt yet: post the receipt first`)
      if (row.statuses.length >= MAX_STATUSES)
        throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id} has ${MAX_STATUSES} status messages, the most it keeps`)
      const signed = verification.result()
      await checkClaims('handoff-status-claims.json', signed, row, 'status')
      const at = new Date()
      const step = statusStep(signed.claims, row, at)
      const refusal = transitionError(row.statuses.at(-1), step.status)
      if (refusal) throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id}: ${step.status} refused: ${refusal}`)
      const seq = row.statuses.length + 1
      await tx.query(
        `INSERT INTO handoff_statuses (handoff_id, seq, status, reason_code, outcome, occurred_at, jws, jws_sha256, kid, jwk, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [id, seq, step.status, step.reason_code, step.outcome, step.occurred_at, jws, digest, signed.kid, JSON.stringify(signed.jwk), at],
      )
      // removed, unavailable, rejected or closed: the notice needs no re-notice any more
      if (SETTLES_NOTICE.includes(step.status))
        await tx.query('UPDATE handoffs SET notice_settled_at = coalesce(notice_settled_at, $2) WHERE id = $1', [id, at])
      const added = { seq, ...step, at: at.toISOString(), sha256: digest, jws, kid: signed.kid, jwk: signed.jwk }
      const endpoint = notifyEndpointOf(row.sender_id)
      if (endpoint) await queueNotification(tx, row, added, endpoint)
      return {
        result: presentHandoff({ ...row, statuses: [...row.statuses, added] }),
        audit: [
          {
            type: 'handoff.status_changed',
            at: at.toISOString(),
            handoff_id: id,
            destination: row.participant_id,
            seq,
            status: step.status,
            ...(step.reason_code ? { reason_code: step.reason_code } : {}),
            ...(step.outcome ? { outcome: step.outcome } : {}),
            occurred_at: step.occurred_at,
            status_sha256: digest,
            signer_kid: signed.kid,
          },
        ],
        link: linkEntries([id]),
      }
    })
  }

  /**
   * verifyFrom, run before the transaction: fetching a JWKS URL is network I/O, which must not hold
   * the handoff's row lock or a pooled connection. Its outcome is taken (and its error thrown) only
   * where the transaction asks for it, so a caller still meets the same checks in the same order.
   */
  async function verifyOutside(participant: Participant, jws: string, typ: string, field: string) {
    const outcome = await verifyFrom(participant, jws, typ, field).then(
      (message) => ({ message }),
      (error: unknown) => ({ error }),
    )
    return {
      message: 'message' in outcome ? outcome.message : undefined,
      result(): VerifiedMessage {
        if ('error' in outcome) throw outcome.error
        return outcome.message
      },
    }
  }

  /** Verifies a message the caller signed, with the keys of its directory entry (refetched once for an unknown kid). */
  async function verifyFrom(participant: Participant, jws: string, typ: string, field: string): Promise<VerifiedMessage> {
    try {
      try {
        return await verifySigned(jws, await keysOf(participant), typ)
      } catch (error) {
        if (!(error instanceof SignedMessageError && error.code === 'SIGNED_UNKNOWN_KEY') || !participant.keys) throw error
        return await verifySigned(jws, await keysOf(participant, true), typ)
      }
    } catch (error) {
      if (!(error instanceof SignedMessageError)) throw error
      throw new SignedMessageError(error.code, `${field}: ${error.message}`, {
        cause: error,
        fieldErrors: [{ in: 'body', pointer: `/${field}`, message: error.message }],
        details: { signature_error: error.code },
      })
    }
  }

  /**
   * An operator re-queues a dead letter once its destination mended its endpoint: the same signed
   * bytes under the same id, tried at once (the endpoint's breaker is reset), and logged with who asked.
   */
  async function redeliver(id: string, principal: Principal) {
    return commitChange(pool, async (tx) => {
      const row = await loadHandoff(tx, id, true)
      if (!row) throw new HandoffError('HANDOFF_NOT_FOUND', `no handoff ${id}`)
      if (!mayMove('requeue', row.state))
        throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id} is ${row.state}, not a dead letter; there is nothing to redeliver`)
      await tx.query(REQUEUED, [id])
      await tx.query(`DELETE FROM delivery_endpoints WHERE participant_id = $1`, [row.participant_id])
      const audit = [
        {
          type: 'handoff.redelivery_requested',
          at: new Date().toISOString(),
          handoff_id: id,
          destination: row.participant_id,
          by: principal.participant.id,
          manifest_sha256: row.manifest_sha256!,
        },
      ]
      return { result: presentHandoff({ ...row, state: 'ready', attempts: 0 }), audit, link: linkEntries([id]) }
    })
  }

  /** The destination's signed receipt for the retraction of a handoff's report: once, idempotently. */
  async function retractionReceipt(id: string, participant: Participant, jws: string) {
    const digest = sha256Hex(jws)
    const verification = await verifyOutside(participant, jws, RETRACTION_RECEIPT_TYP, 'receipt')
    return commitChange(pool, async (tx) => {
      const row = await addressedTo(tx, id, participant)
      if (!row.retraction) throw new HandoffError('HANDOFF_STATE_CONFLICT', `handoff ${id} has no retraction to receipt`)
      if (row.retraction_state === 'received') {
        if (row.retraction_receipt_sha256 === digest) return { result: presentHandoff(row), audit: [] }
        throw new HandoffError('HANDOFF_STATE_CONFLICT', `the retraction of handoff ${id} already has another receipt`)
      }
      const signed = verification.result()
      await checkClaims('retraction-receipt-claims.json', signed, row, 'receipt')
      if (signed.claims.retraction_sha256 !== row.retraction_sha256) {
        const message = `claims /retraction_sha256 must be the SHA-256 of the retraction of handoff ${id}`
        throw new HandoffError('HANDOFF_CLAIMS_INVALID', `receipt: ${message}`, { fieldErrors: [{ in: 'body', pointer: '/receipt', message }] })
      }
      const at = new Date()
      await tx.query(RETRACTION_RECEIVED, [id, jws, digest, at])
      const audit = [
        {
          type: 'handoff.retraction_received',
          at: at.toISOString(),
          handoff_id: id,
          destination: row.participant_id,
          retraction_sha256: row.retraction_sha256!,
          receipt_sha256: digest,
          signer_kid: signed.kid,
        },
      ]
      const updated = {
        ...row,
        retraction_state: 'received' as const,
        retraction_receipt: jws,
        retraction_receipt_sha256: digest,
        retraction_received_at: at,
      }
      return { result: presentHandoff(updated), audit, link: linkEntries([id]) }
    })
  }

  return { get, receipt, receipts, checkReceipt, checkedReceipt, status, redeliver, retractionReceipt }
}

/** A verified receipt whose claims follow their schema and name `id`: what the one-statement paths take. */
async function plainReceipt(signed: VerifiedMessage | undefined, id: string): Promise<VerifiedMessage | undefined> {
  const plain = !!signed && signed.claims.handoff_id === id && (await schemaValidator('handoff-receipt-claims.json'))(signed.claims)
  return plain ? signed : undefined
}

/** The `handoff.receipt_received` entry of a plain receipt. */
export function receivedEvent(destination: string, checked: CheckedReceipt, signed: VerifiedMessage, at: Date) {
  return receiptEvent(checked.handoff_id, destination, signed.claims.manifest_sha256 as string, checked.digest, signed.kid, at)
}

function receiptEvent(id: string, destination: string, manifestSha256: string, receiptSha256: string, kid: string, at: Date) {
  return {
    type: 'handoff.receipt_received',
    at: at.toISOString(),
    handoff_id: id,
    destination,
    manifest_sha256: manifestSha256,
    receipt_sha256: receiptSha256,
    signer_kid: kid,
  }
}

/** The handoff, locked, if it is addressed to the caller; anyone else gets the same 404 as for a handoff that does not exist. */
async function addressedTo(tx: pg.PoolClient, id: string, participant: Participant): Promise<HandoffRow> {
  const row = await loadHandoff(tx, id, true)
  if (!row || row.participant_id !== participant.id) throw new HandoffError('HANDOFF_NOT_FOUND', `no handoff ${id} addressed to you`)
  return row
}

/** How far a destination's clock may run ahead of the gateway's before its occurred_at is "in the future". */
const CLOCK_SKEW_MS = 60_000

/** A verified status message as stored: its status in the current vocabulary, and when it happened, within bounds. */
function statusStep(claims: Record<string, unknown>, row: HandoffRow, now: Date) {
  const occurred = new Date((claims.occurred_at ?? claims.at) as string)
  const field = claims.occurred_at === undefined ? 'at' : 'occurred_at'
  const refuse = (message: string) => {
    throw new HandoffError('HANDOFF_CLAIMS_INVALID', `status: claims /${field} ${message}`, {
      fieldErrors: [{ in: 'body', pointer: '/status', message: `claims /${field} ${message}` }],
    })
  }
  if (occurred.getTime() > now.getTime() + CLOCK_SKEW_MS) refuse('is in the future')
  if (occurred.getTime() < row.created_at.getTime()) refuse(`is before the handoff was made (${row.created_at.toISOString()})`)
  return {
    status: canonicalStatus(claims.status as string),
    reason_code: (claims.reason_code as string | undefined) ?? null,
    outcome: (claims.outcome as string | undefined) ?? null,
    occurred_at: occurred.toISOString(),
  }
}

/** The claims follow their schema and bind this handoff and the manifest it was sent under. */
async function checkClaims(schema: string, signed: VerifiedMessage, row: HandoffRow, field: string): Promise<void> {
  const validate = await schemaValidator(schema)
  const errors = validate(signed.claims)
    ? []
    : toFieldErrors(validate.errors ?? []).map((e) => ({
        in: 'body' as const,
        pointer: `/${field}`,
        message: `claims ${e.pointer || '/'} ${e.message}`,
      }))
  if (signed.claims.handoff_id !== row.id) errors.push({ in: 'body', pointer: `/${field}`, message: `claims /handoff_id must be ${row.id}` })
  if (signed.claims.manifest_sha256 !== row.manifest_sha256) {
    errors.push({ in: 'body', pointer: `/${field}`, message: `claims /manifest_sha256 must be the SHA-256 of the manifest of handoff ${row.id}` })
  }
  if (errors.length > 0) throw new HandoffError('HANDOFF_CLAIMS_INVALID', `${field}: ${errors[0]!.message}`, { fieldErrors: errors })
}
