import type pg from 'pg'
import type { Logger } from 'pino'
import { canonicalDigest } from '../crypto/jcs.ts'
import { sha256Hex } from '../crypto/jws.ts'
import type { GatewayKey } from '../crypto/gateway-key.ts'
import { activeKeyWatcher } from '../keys/gateway-keys.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { DirectoryVersion } from '../directory/directory-service.ts'
import type { Participant } from '../directory/participant.ts'
import type { RoutingService } from '../routing/routing-service.ts'
import { IntakeError } from './intake-error.ts'
import { auditEntryBytes } from '../state/commit.ts'
import { caseKeys } from './case-keys.ts'
import { createIntakeBatcher, type IntakeRow } from './intake-batcher.ts'
import { assertChannelAllowed } from './channels.ts'
import { reportsTotal, routingDecisionsTotal } from '../ops/metrics.ts'
import { createReceiptSigner, receiptClaims, type ReceiptClaims } from './receipt.ts'
import type { CanonicalReport } from './report-types.ts'
import { uuid7 } from '../crypto/uuid7.ts'
import { createSigningThread } from '../crypto/signing-thread.ts'

export interface Submission {
  sender: Participant
  directory: DirectoryVersion
  report: CanonicalReport
  payload: { bytes: Buffer; mediaType: string }
  idempotencyKey?: string | undefined
}

/** The 202 answer: the signed receipt and where the report landed. */
interface Acceptance extends ReceiptClaims {
  id: string
  receipt: string
  case_id: string
  duplicate_of: string | null
}

export interface SubmissionResult {
  outcome: 'accepted' | 'duplicate' | 'replayed'
  acceptance: Acceptance
}

export type IntakeService = ReturnType<typeof createIntakeService>

/**
 * Accepts reports: at most one round trip to PostgreSQL per report (the stored function intake_report,
 * called in batches by createIntakeBatcher), which
 * enforces idempotency, external_id uniqueness and case de-duplication, and writes the audit entry.
 * Everything else (canonical digest, contact sealing, the signed receipt) is computed before it.
 */
export interface IntakeServiceOptions {
  pool: pg.Pool
  sealer: Sealer
  routing: RoutingService
  publicUrl: string | undefined
  logger: Logger
  /** how often to look for a rotated receipt key (KEY_CHECK_MS) */
  keyCheckMs: number
}

export function createIntakeService({ pool, sealer, routing, publicUrl, logger, keyCheckMs }: IntakeServiceOptions) {
  const store = createIntakeBatcher(pool, (error, attempt) =>
    logger.warn({ code: (error as { code?: string }).code, attempt }, 'intake batch retried after a deadlock'),
  )
  const receiptKey = activeKeyWatcher(pool, sealer, 'receipt', keyCheckMs)
  const signingThread = createSigningThread()
  const signers = new WeakMap<GatewayKey, ReturnType<typeof createReceiptSigner>>()
  const receiptSigner = async () => {
    const key = await receiptKey()
    let signer = signers.get(key)
    if (!signer) signers.set(key, (signer = createReceiptSigner(key, signingThread)))
    return signer
  }

  /** Everything but the database: checks, ids, digests, the signed receipt, sealing, routing, audit entries. */
  async function prepare(submission: Submission): Promise<{ item: IntakeRow; receipt: StoredReceipt; tally: Tally }> {
    const { sender, report } = submission
    assertChannelAllowed(sender, report.channel)
    const keys = caseKeys(report)
    const id = uuid7()
    const receivedAt = new Date().toISOString()
    const claims: ReceiptClaims = {
      report_id: id,
      sender: sender.id,
      received_at: receivedAt,
      report_sha256: canonicalDigest(report).toString('hex'),
      status_url: `${publicUrl ?? ''}/v1/reports/${id}`,
    }
    const jws = await (await receiptSigner())(claims)
    const payloadDigest = sha256Hex(submission.payload.bytes)
    const { contact, ...reporter } = report.reporter
    const row = {
      id,
      sender_id: sender.id,
      channel: report.channel,
      external_id: report.source.external_id ?? null,
      idempotency_key: submission.idempotencyKey ?? null,
      payload_digest: payloadDigest,
      payload_media_type: submission.payload.mediaType,
      report_digest: claims.report_sha256,
      received_at: receivedAt,
      canonical: { ...report, reporter },
      contact_sealed: contact ? sealer.seal('reporter-contact', Buffer.from(JSON.stringify(contact)), id).toString('base64') : null,
      directory_version: submission.directory.version,
    }
    const { decision, rulesetVersion } = await routing.decide(report, sender, submission.directory)
    const decidedAt = new Date().toISOString()
    const routed = {
      decision,
      ruleset_version: rulesetVersion,
      decided_at: decidedAt,
      // one handoff per destination, in the decision's order (migrations/0011_intake_slim.sql)
      handoff_ids: decision.destinations.map(() => uuid7()),
    }
    const received = auditEntryBytes({
      type: 'report.received',
      at: receivedAt,
      report_id: id,
      sender: sender.id,
      channel: report.channel,
      report_digest: `sha256:${claims.report_sha256}`,
      payload_digest: `sha256:${payloadDigest}`,
      payload_media_type: submission.payload.mediaType,
    })
    const decided = auditEntryBytes({
      type: 'routing.decided',
      at: decidedAt,
      report_id: id,
      destinations: decision.destinations.map((d) => d.participant_id),
      urgent: decision.destinations.filter((d) => d.urgent).map((d) => d.participant_id),
      rules: [...new Set(decision.destinations.flatMap((d) => d.rules.map((r) => r.rule_id)))],
      directory_version: submission.directory.version,
      ruleset_version: rulesetVersion,
    })
    return {
      item: { row: { ...row, receipt: jws, ...routed }, keys, entries: [received, decided] },
      receipt: { id, ...claims, receipt: jws },
      tally: { channel: report.channel, rules: decision.destinations.flatMap((d) => d.rules.map((r) => r.rule_id)) },
    }
  }

  async function submit(submission: Submission): Promise<SubmissionResult> {
    const { item, receipt, tally } = await prepare(submission)
    return counted(tally, () => store(item).then((r) => outcome(r, receipt)))
  }

  /**
   * Several reports stored in the order given (one batch, one transaction under load: a later one can
   * be a duplicate of an earlier one). They are prepared concurrently, then handed to the batcher in
   * order within one turn. Each settles on its own: one refused report never sinks the others.
   */
  async function submitInOrder(submissions: Submission[]): Promise<Array<PromiseSettledResult<SubmissionResult>>> {
    const prepared = await Promise.allSettled(submissions.map(prepare))
    return Promise.allSettled(
      prepared.map((p) =>
        p.status === 'fulfilled'
          ? counted(p.value.tally, () => store(p.value.item).then((r) => outcome(r, p.value.receipt)))
          : Promise.reject(p.reason),
      ),
    )
  }

  return { submit, submitInOrder, close: () => signingThread.close() }
}

/** What a report adds to the metrics: its channel, and the rule behind each destination routing chose. */
interface Tally {
  channel: string
  rules: string[]
}

/** The sender's own conflicts (a reused Idempotency-Key or external_id): counted apart from failures. */
function isConflict(error: unknown): boolean {
  return error instanceof IntakeError && (error.code === 'INTAKE_IDEMPOTENCY_CONFLICT' || error.code === 'INTAKE_EXTERNAL_ID_CONFLICT')
}

/** Counts a stored report by channel and outcome, and the rules that routed it (a replay was counted the first time). */
async function counted({ channel, rules }: Tally, store: () => Promise<SubmissionResult>): Promise<SubmissionResult> {
  let result: SubmissionResult
  try {
    result = await store()
  } catch (error) {
    if (isConflict(error)) reportsTotal.inc({ channel, outcome: 'conflict' })
    throw error
  }
  reportsTotal.inc({ channel, outcome: result.outcome })
  if (result.outcome !== 'replayed') {
    for (const rule of rules) routingDecisionsTotal.inc({ rule })
  }
  return result
}

type StoredReceipt = Omit<Acceptance, 'case_id' | 'duplicate_of'>

/** What intake_report answers (see migrations/0005_reports.sql). */
interface StoreResult {
  status?: string
  case_id?: string
  duplicate_of?: string | null
  receipt?: StoredReceipt | string
  id?: string
}

function outcome(result: StoreResult, fresh: StoredReceipt): SubmissionResult {
  switch (result.status) {
    case 'accepted':
    case 'replay': {
      // a replay answers with the receipt of the first submission, not the one just signed
      const stored = result.status === 'replay' ? storedReceipt(result.receipt!) : fresh
      return {
        outcome: result.status === 'replay' ? 'replayed' : result.duplicate_of ? 'duplicate' : 'accepted',
        acceptance: { ...stored, case_id: result.case_id!, duplicate_of: result.duplicate_of ?? null },
      }
    }
    case 'idempotency_conflict':
      throw new IntakeError('INTAKE_IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used with a different body')
    case 'external_id_conflict':
      throw new IntakeError('INTAKE_EXTERNAL_ID_CONFLICT', `source.external_id was already used by report ${result.id} with different content`, {
        fieldErrors: [{ in: 'body', pointer: '/source/external_id', message: 'already used for a different report' }],
      })
    default:
      throw new Error(`intake_report returned an unknown status ${result.status}`)
  }
}

/** A stored receipt: the compact JWS, whose payload holds every claim (older rows hold the whole answer). */
function storedReceipt(stored: StoredReceipt | string): StoredReceipt {
  if (typeof stored !== 'string') return stored
  const claims = receiptClaims(stored)
  return { id: claims.report_id, ...claims, receipt: stored }
}
