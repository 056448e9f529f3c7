import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from '../auth/access.ts'
import { principalOf } from '../auth/principal.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { problem, problemBody, ProblemError, PROBLEMS } from '../http/problems.ts'
import { channelForFormat } from './channels.ts'
import { parseCyberTiplineXml } from './formats/cybertipline.ts'
import { fromDsaNotice } from './formats/dsa-notice.ts'
import { FormatError } from './formats/format-error.ts'
import type { IntakeService, Submission, SubmissionResult } from './intake-service.ts'
import type { ReportQueries } from './report-queries.ts'
import type { CanonicalReport, ReportValidator } from './report.ts'

export interface IntakeHandlerDeps {
  intake: IntakeService
  reports: ReportQueries
  validateReport: ReportValidator
}

/** HTTP binding of intake: turn each format into a canonical report, submit it, answer with the receipt. */
export function intakeHandlers({ intake, reports, validateReport }: IntakeHandlerDeps): OperationHandlers {
  return {
    getJwks: async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return { keys: await reports.receiptKeys() }
    },

    submitReport: async (request, reply) => {
      const principal = principalOf(request)
      const mediaType = mediaTypeOf(request)
      const report = toCanonical(mediaType, request.body, principal)
      const result = await intake.submit({
        sender: principal.participant,
        directory: principal.directory,
        report,
        payload: { bytes: request.rawBody ?? Buffer.alloc(0), mediaType },
        idempotencyKey: (request.headers as Record<string, string | undefined>)['idempotency-key'],
      })
      return accepted(reply, result)
    },

    submitReportBatch: async (request) => {
      const principal = principalOf(request)
      const { reports: items } = request.body as { reports: unknown[] }
      const results: BatchResult[] = []
      const accepted: Array<{ index: number; submission: Submission }> = []
      for (const [index, item] of items.entries()) {
        const validation = validateReport(item)
        if (validation.ok) {
          const bytes = Buffer.from(JSON.stringify(item))
          const submission = {
            sender: principal.participant,
            directory: principal.directory,
            report: validation.report,
            payload: { bytes, mediaType: 'application/json' },
          }
          accepted.push({ index, submission })
        } else {
          const errors = validation.errors.map((e) => ({ in: 'body' as const, pointer: `/reports/${index}${e.pointer}`, message: e.message }))
          results[index] = rejected(index, problem('HG_VALIDATION', `report ${index} does not match the canonical schema`, { errors }))
        }
      }
      const settled = await intake.submitInOrder(accepted.map((a) => a.submission))
      // A failure the sender did not cause sinks the whole batch only while nothing is stored; once one
      // report is, the answer must carry its receipt, so the failed ones are answered item by item.
      const stored = settled.some((outcome) => outcome.status === 'fulfilled')
      settled.forEach((outcome, i) => {
        const { index } = accepted[i]!
        if (outcome.status === 'fulfilled') results[index] = { index, status: outcome.value.outcome, acceptance: outcome.value.acceptance }
        else if (outcome.reason instanceof ProblemError && outcome.reason.status < 500) results[index] = rejected(index, outcome.reason)
        else if (!stored) throw outcome.reason
        else results[index] = rejected(index, failed(request, index, outcome.reason))
      })
      return { results }
    },

    getReport: async (request) => {
      const { reportId } = request.params as { reportId: string }
      const status = await reports.statusFor(reportId, principalOf(request).participant.id)
      if (!status) throw problem('HG_NOT_FOUND', `no report ${reportId} sent by you`)
      if (status.purged.contents_at)
        throw problem('HG_GONE', `report ${reportId}'s contents were purged under the retention policy at ${status.purged.contents_at}`, {
          remains: status,
        })
      return status
    },

    retractReport: async (request) => {
      const { reportId } = request.params as { reportId: string }
      const { reason } = request.body as { reason: string }
      return reports.retract(reportId, principalOf(request).participant.id, reason)
    },
  }
}

type BatchResult = { index: number; status: SubmissionResult['outcome'] | 'rejected'; acceptance?: SubmissionResult['acceptance']; problem?: unknown }

function rejected(index: number, error: ProblemError) {
  return { index, status: 'rejected' as const, problem: problemBody(error) }
}

/** Logged like any 5xx (with the request id the sender can quote), answered as that item's problem. */
function failed(request: FastifyRequest, index: number, error: unknown): ProblemError {
  if (error instanceof ProblemError) return error
  request.log.error({ err: error, index }, 'batch item failed')
  return problem('HG_INTERNAL', `report ${index} could not be stored; quote the request_id when you report it`)
}

function accepted(reply: FastifyReply, result: SubmissionResult) {
  reply.code(202).header('location', result.acceptance.status_url)
  return result.acceptance
}

function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}

/** Foreign formats are mapped (and checked against the canonical schema) here; a mapping failure names the field. */
function toCanonical(mediaType: string, body: unknown, principal: Principal): CanonicalReport {
  try {
    if (mediaType === 'application/xml')
      return parseCyberTiplineXml(body as string, { channel: channelForFormat(principal.participant, 'cybertipline') })
    if (mediaType.includes('dsa-notice')) return fromDsaNotice(body, { channel: channelForFormat(principal.participant, 'dsa_notice') })
    return body as CanonicalReport
  } catch (error) {
    if (!(error instanceof FormatError)) throw error
    const code = error.code === 'XML_TOO_LARGE' ? 'HG_PAYLOAD_TOO_LARGE' : error.code.startsWith('XML_') ? 'HG_MALFORMED_BODY' : 'HG_VALIDATION'
    const errors = error.errors.map((e) => ({ in: 'body' as const, pointer: e.pointer, message: e.message }))
    throw problem(code, `${PROBLEMS[code].title}: ${error.message}`, { errors })
  }
}
