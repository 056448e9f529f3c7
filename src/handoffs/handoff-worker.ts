import type pg from 'pg'
import type { Logger } from 'pino'
import { activeKeyWatcher } from '../crypto/gateway-keys.ts'
import { compactSigner, sha256Hex } from '../crypto/jws.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { ReportFormat } from '../directory/participant.ts'
import type { CanonicalReport } from '../intake/report.ts'
import type { DestinationKind, RuleReason } from '../routing/index.ts'
import { commitChange, type AuditEvent } from '../state/commit.ts'
import { linkEntries } from './handoff-audit.ts'
import { buildPayload } from './payload.ts'
import { MANIFEST_TYP } from './signed-message.ts'

/** What the gateway signs for each handoff: who sends what to whom, and the digest of exactly what. */
export interface ManifestClaims {
  iss: string
  handoff_id: string
  case_id: string
  report_id: string
  sender: string
  destination: string
  format: ReportFormat
  payload_media_type: string
  payload_sha256: string
  urgent: boolean
  rules: RuleReason[]
  iat: number
}

export interface HandoffWorkerOptions {
  pool: pg.Pool
  sealer: Sealer
  logger: Logger
  /** The manifests' `iss`: PUBLIC_URL, or the gateway's instance name. */
  issuer: string
  /** Most handoffs signed in one transaction (default 20). */
  batchSize?: number
  /** Pause when there was less than a batch to do (default 200 ms). */
  intervalMs?: number
  /** How often to look for a rotated signing key (KEY_CHECK_MS, default 10 s). */
  keyCheckMs?: number
}

export interface HandoffWorker {
  /** Signs up to one batch of pending handoffs now; how many it settled. */
  step(): Promise<number>
}

export interface RunningHandoffWorker extends HandoffWorker {
  /** Lets the batch in progress commit, then stops. */
  stop(): Promise<void>
}

interface Claimed {
  id: string
  case_id: string
  participant_id: string
  report_id: string
  urgent: boolean
  rules: RuleReason[]
  items: number[]
  format: ReportFormat
  sender_id: string
  canonical: CanonicalReport
  contact_sealed: Buffer | null
  report_state: string
  kind: DestinationKind | null
}

// SKIP LOCKED: any number of processes claim side by side, each row signed by exactly one of them.
const CLAIM = `
  SELECT h.id, h.case_id, h.participant_id, h.report_id, h.urgent, h.rules, h.items, h.format,
         r.sender_id, r.canonical, r.contact_sealed, r.state AS report_state,
         (SELECT d->>'kind' FROM jsonb_array_elements(rd.decision->'destinations') AS d
           WHERE d->>'participant_id' = h.participant_id LIMIT 1) AS kind
    FROM handoffs h JOIN reports r ON r.id = h.report_id LEFT JOIN routing_decisions rd ON rd.report_id = h.report_id
   WHERE h.state = 'pending'
   ORDER BY h.urgent DESC, h.created_at
   LIMIT $1
     FOR UPDATE OF h SKIP LOCKED`

const SETTLE = `
  UPDATE handoffs h
     SET state = x.state, payload = x.payload, payload_media_type = x.payload_media_type, payload_sha256 = x.payload_sha256,
         manifest = x.manifest, manifest_sha256 = x.manifest_sha256, signed_at = x.signed_at, last_error = x.last_error
    FROM jsonb_to_recordset($1) AS x(id uuid, state text, payload text, payload_media_type text, payload_sha256 text,
                                     manifest text, manifest_sha256 text, signed_at timestamptz, last_error text)
   WHERE h.id = x.id`

/**
 * The outbox worker: claims pending handoffs, builds each destination's payload, signs its manifest
 * with the gateway's published JWS key, and in one transaction stores both (state `ready`) with a
 * `handoff.signed` audit entry. A manifest is made once; a handoff never gets a second one.
 */
export function createHandoffWorker(options: HandoffWorkerOptions): HandoffWorker {
  const { pool, sealer } = options
  const batchSize = options.batchSize ?? 20
  // the published JWS key, followed across rotations (KEY_CHECK_MS)
  const receiptKey = activeKeyWatcher(pool, sealer, 'receipt', options.keyCheckMs ?? 10_000)

  function reportFor(row: Claimed): CanonicalReport {
    const report = row.canonical
    // the reporter's contact goes only to law enforcement, only with consent (the projection decides the rest)
    if (row.kind !== 'law_enforcement' || !row.contact_sealed || report.reporter.consent_to_contact !== true) return report
    const contact = JSON.parse(sealer.open('reporter-contact', row.contact_sealed, row.report_id).toString('utf8'))
    return { ...report, reporter: { ...report.reporter, contact } } as CanonicalReport
  }

  async function step(): Promise<number> {
    // The idle case costs one round trip and no transaction (nor a signing key before the first handoff).
    const { rows: waiting } = await pool.query(`SELECT EXISTS (SELECT 1 FROM handoffs WHERE state = 'pending') AS any`)
    if (!waiting[0].any) return 0
    const signingKey = await receiptKey()
    const sign = compactSigner<ManifestClaims>(signingKey, MANIFEST_TYP)
    return commitChange(pool, async (tx) => {
      const { rows } = await tx.query<Claimed>(CLAIM, [batchSize])
      const at = new Date()
      const settled = rows.map((row) => settle(row, at))
      if (rows.length > 0) await tx.query(SETTLE, [JSON.stringify(settled.map((s) => s.row))])
      return { result: rows.length, audit: settled.map((s) => s.event), link: linkEntries(rows.map((r) => r.id)) }
    })

    function settle(row: Claimed, at: Date): { row: Record<string, unknown>; event: AuditEvent } {
      const base = { handoff_id: row.id, case_id: row.case_id, report_id: row.report_id, sender: row.sender_id, destination: row.participant_id }
      if (row.report_state === 'retracted') {
        return {
          row: { id: row.id, state: 'withdrawn' },
          event: { type: 'handoff.withdrawn', at: at.toISOString(), ...base, reason: 'REPORT_RETRACTED' },
        }
      }
      let payload
      try {
        if (!row.kind) throw new Error('the routing decision does not name this destination')
        payload = buildPayload(reportFor(row), row.kind, row.format, row.items)
      } catch (error) {
        const reason = (error as { code?: string }).code ?? 'HANDOFF_UNBUILDABLE'
        options.logger.warn({ handoff: row.id, destination: row.participant_id, reason }, 'a handoff cannot be built; it failed')
        return {
          row: { id: row.id, state: 'failed', last_error: `${reason}: ${(error as Error).message}`.slice(0, 1000) },
          event: { type: 'handoff.failed', at: at.toISOString(), ...base, reason },
        }
      }
      const payloadSha256 = sha256Hex(payload.text)
      const manifest = sign({
        iss: options.issuer,
        ...base,
        format: row.format,
        payload_media_type: payload.mediaType,
        payload_sha256: payloadSha256,
        urgent: row.urgent,
        rules: row.rules,
        iat: Math.floor(at.getTime() / 1000),
      })
      const manifestSha256 = sha256Hex(manifest)
      return {
        row: {
          id: row.id,
          state: 'ready',
          payload: payload.text,
          payload_media_type: payload.mediaType,
          payload_sha256: payloadSha256,
          manifest,
          manifest_sha256: manifestSha256,
          signed_at: at.toISOString(),
        },
        event: {
          type: 'handoff.signed',
          at: at.toISOString(),
          ...base,
          format: row.format,
          kid: signingKey.kid,
          manifest_sha256: manifestSha256,
          payload_sha256: payloadSha256,
        },
      }
    }
  }

  return { step }
}

/** The worker in this process (signing, then push delivery), until stop(): batch after batch, pausing when one found nothing to do. */
export function startHandoffWorker(options: HandoffWorkerOptions & { push?: { step(): Promise<number> } }): RunningHandoffWorker {
  const worker = createHandoffWorker(options)
  const intervalMs = options.intervalMs ?? 200
  let stopped = false
  let wake: (() => void) | undefined
  const loop = (async () => {
    let failures = 0
    while (!stopped) {
      let done = 0
      try {
        done = (await worker.step()) + ((await options.push?.step()) ?? 0)
        failures = 0
      } catch (error) {
        failures++
        options.logger.error({ err: error }, 'handoff worker batch failed; retrying')
      }
      if (stopped || (done > 0 && failures === 0)) continue
      const pause = intervalMs * 2 ** Math.min(failures, 6)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  })()
  return {
    step: worker.step,
    async stop() {
      stopped = true
      wake?.()
      await loop
    },
  }
}
