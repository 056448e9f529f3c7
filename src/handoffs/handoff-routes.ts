import { principalOf } from '../http/principal.ts'
import type { OperationHandlers } from '../http/operations.ts'
import type { createEvidenceBuilder } from './evidence-bundle.ts'
import type { Escalations } from './escalations.ts'
import type { HandoffService } from './handoff-service.ts'
import type { createInbox } from './inbox.ts'
import { loadHandoff, loadPayload, presentHandoff, requireVisible } from './handoff-store.ts'
import { problem, problemBody } from '../http/problems.ts'
import { toProblem } from '../http/error-handler.ts'
import type { FastifyError } from 'fastify'
import type { PostedReceipt } from './receipt-batch.ts'
import type pg from 'pg'

type Inbox = ReturnType<typeof createInbox>

export interface HandoffHandlerDeps {
  pool: pg.Pool
  handoffs: HandoffService
  inbox: Inbox
  escalations: Escalations
  evidence: ReturnType<typeof createEvidenceBuilder>
}

/** HTTP binding of handoffs: the destination's inbox, receipts and statuses; reads for the destination, sender and auditors. */
export function handoffHandlers({ pool, handoffs, inbox, escalations, evidence }: HandoffHandlerDeps): OperationHandlers {
  const idOf = (params: unknown) => (params as { handoffId: string }).handoffId
  return {
    listInbox: async (request) => {
      const { limit = 20, cursor, wait } = request.query as { limit?: number; cursor?: string; wait?: number }
      return inbox.fetch(principalOf(request), { limit, cursor, wait })
    },
    listEscalations: async (request) => escalations.open((request.query as { limit?: number }).limit ?? 100),
    getHandoff: async (request) => handoffs.get(idOf(request.params), principalOf(request)),
    postHandoffReceipt: async (request) => {
      const { receipt } = request.body as { receipt: string }
      return handoffs.receipt(idOf(request.params), principalOf(request).participant, receipt)
    },
    postInboxReceipts: async (request) => {
      const { receipts } = request.body as { receipts: PostedReceipt[] }
      const outcomes = await handoffs.receipts(principalOf(request).participant, receipts)
      const results = outcomes.map((outcome, index) => {
        const { handoff_id } = receipts[index]!
        if (outcome.ok) return { index, handoff_id, status: 'received', state: outcome.handoff.state }
        const refusal = toProblem(outcome.error as FastifyError)
        if (refusal.status >= 500) request.log.error({ err: outcome.error, index }, 'batch receipt failed')
        return { index, handoff_id, status: 'refused', problem: problemBody(refusal, request.id) }
      })
      return { results }
    },
    postHandoffStatus: async (request) => {
      const { status } = request.body as { status: string }
      // the directory this request was authorised against says where each sender wants its notifications
      const participants = principalOf(request).directory.document.participants
      const notifyEndpointOf = (sender: string) => participants.find((p) => p.id === sender)?.delivery.notify_endpoint
      return handoffs.status(idOf(request.params), principalOf(request).participant, status, notifyEndpointOf)
    },
    postRetractionReceipt: async (request) => {
      const { receipt } = request.body as { receipt: string }
      return handoffs.retractionReceipt(idOf(request.params), principalOf(request).participant, receipt)
    },
    redeliverHandoff: async (request) => handoffs.redeliver(idOf(request.params), principalOf(request)),
    getHandoffPayload: async (request) => {
      const id = idOf(request.params)
      const row = await loadHandoff(pool, id)
      if (row?.participant_id !== principalOf(request).participant.id) throw problem('HG_NOT_FOUND', `no handoff ${id} addressed to you`)
      if (row.payload_purged_at)
        throw problem('HG_GONE', `handoff ${id}'s payload was purged under the retention policy at ${row.payload_purged_at.toISOString()}`, {
          remains: presentHandoff(row),
        })
      const payload = await loadPayload(pool, id)
      if (payload === null) throw problem('HG_CONFLICT', `handoff ${id} is ${row.state}: it has no signed payload`)
      const { manifest_sha256, payload_media_type, payload_sha256 } = row
      return { handoff_id: id, manifest_sha256, payload, payload_media_type, payload_sha256 }
    },
    getHandoffEvidence: async (request) => {
      const id = idOf(request.params)
      return evidence(requireVisible(await loadHandoff(pool, id), id, principalOf(request)))
    },
  }
}
