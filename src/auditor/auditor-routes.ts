import type { FastifyReply } from 'fastify'
import type { AuditService } from '../audit/audit-service.ts'
import type { ConsoleAccess } from '../console/console-access.ts'
import { ConsoleRefusal } from '../console/console-access.ts'
import type { ConsoleSession } from '../console/console-sessions.ts'
import { consolePage } from '../console/console-views.ts'
import type { Principal } from '../auth/access.ts'
import type { createEvidenceBuilder } from '../handoffs/evidence-bundle.ts'
import type { HandoffService } from '../handoffs/handoff-service.ts'
import { loadHandoff, requireVisible } from '../handoffs/handoff-store.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { problemOf } from '../http/problems.ts'
import type { Html } from '../pages/html.ts'
import { sendPage } from '../pages/respond.ts'
import type pg from 'pg'
import type { AuditorQueries } from './auditor-queries.ts'
import { handoffBody, overviewBody, reportHandoffsBody } from './auditor-views.ts'

export interface AuditorOptions {
  pool: pg.Pool
  access: ConsoleAccess
  audit: AuditService
  queries: AuditorQueries
  handoffs: HandoffService
  evidence: ReturnType<typeof createEvidenceBuilder>
}

/** The auditor's view (audit:read, through a console login): the checkpoint, search, a handoff's timeline and evidence. */
export function auditorHandlers(options: AuditorOptions): OperationHandlers {
  const { access } = options
  const show = (reply: FastifyReply, ctx: { session: ConsoleSession; principal: Principal }, title: string, body: Html) =>
    sendPage(reply, 200, consolePage({ session: ctx.session, acting: ctx.principal.participant.name, title, body }))
  const visible = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      const known = problemOf(error)
      if (known?.status === 404) throw new ConsoleRefusal(404, known.detail)
      throw error
    }
  }

  return {
    getAuditOverview: access.guarded(async (request, reply) => {
      const ctx = await access.actingAs(request, 'audit:read')
      const [checkpoint, keys, growth, takedownHours] = await Promise.all([
        options.audit.checkpoint(),
        options.audit.keys(),
        options.queries.growth(),
        options.queries.takedownHours(),
      ])
      const size = growth.at(-1)?.size
      const witnesses = size === undefined ? [] : await options.queries.cosignatures(size)
      const notFound = (request.query as { not_found?: string }).not_found
      return show(
        reply,
        ctx,
        'Audit log',
        overviewBody({ checkpoint, witnesses, keys: keys.keys, growth, takedownHours, ...(notFound ? { notFound } : {}) }),
      )
    }),

    searchAudit: access.guarded(async (request, reply) => {
      await access.actingAs(request, 'audit:read')
      const id = (request.query as { id: string }).id.trim().toLowerCase()
      const kind = /^[0-9a-f-]{36}$/.test(id) ? await options.queries.find(id) : undefined
      const location = kind ? `/audit/${kind}s/${id}` : `/audit?not_found=${encodeURIComponent(id.slice(0, 36))}`
      return reply.code(303).header('location', location).send()
    }),

    getAuditReport: access.guarded(async (request, reply) => {
      const ctx = await access.actingAs(request, 'audit:read')
      const { reportId } = request.params as { reportId: string }
      const handoffs = await options.queries.handoffsOf(reportId)
      if (handoffs.length === 0) throw new ConsoleRefusal(404, `No handoff carries a report ${reportId}.`)
      return show(reply, ctx, `Report ${reportId}`, reportHandoffsBody(reportId, handoffs))
    }),

    getAuditHandoff: access.guarded(async (request, reply) => {
      const ctx = await access.actingAs(request, 'audit:read')
      const { handoffId } = request.params as { handoffId: string }
      const handoff = await visible(() => options.handoffs.get(handoffId, ctx.principal))
      const key = (await options.audit.keys()).keys.find((k) => k.active)?.verifier_key
      return show(reply, ctx, `Handoff ${handoffId}`, handoffBody(handoff, key))
    }),

    getAuditHandoffEvidence: access.guarded(async (request, reply) => {
      const ctx = await access.actingAs(request, 'audit:read')
      const { handoffId } = request.params as { handoffId: string }
      const bundle = await visible(async () => options.evidence(requireVisible(await loadHandoff(options.pool, handoffId), handoffId, ctx.principal)))
      return reply
        .header('content-disposition', `attachment; filename="handoff-${handoffId}-evidence.json"`)
        .header('cache-control', 'no-store')
        .type('application/json')
        .serializer(JSON.stringify)
        .send(bundle)
    }),
  }
}
