import type { FastifyReply, FastifyRequest } from 'fastify'
import { principalOf } from '../http/principal.ts'
import type { OperationHandlers } from '../http/operations.ts'
import type { DsaNoticeValidator } from '../formats/dsa-notice.ts'
import { JSON_REPORT } from '../formats/json-report.ts'
import { channelOf, formatForMediaType } from '../formats/registry.ts'
import { problem, problemBody, problemOf, type ProblemError } from '../http/problems.ts'
import type { IntakeService, Submission, SubmissionResult } from './intake-service.ts'
import type { ReportQueries } from './report-queries.ts'
import type { ReportValidator } from './report.ts'

export interface IntakeHandlerDeps {
  intake: IntakeService
  reports: ReportQueries
  validateReport: ReportValidator
  validateDsaNotice: DsaNoticeValidator
}

/** HTTP binding of intake: turn each format into a canonical report, submit it, answer with the receipt. */
export function intakeHandlers({ intake, reports, validateReport, validateDsaNotice }: IntakeHandlerDeps): OperationHandlers {
  return {
    getJwks: async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return { keys: await reports.receiptKeys() }
    },

    submitReport: async (request, reply) => {
      const principal = principalOf(request)
      const mediaType = mediaTypeOf(request)
      const format = formatForMediaType(mediaType)
      if (!format) throw problem('HG_UNSUPPORTED_MEDIA_TYPE', `reports are not read in ${mediaType}`)
      const channel = channelOf(format, principal.participant.kind)
      const report = format.read(request.body, { channel, validateReport, validateDsaNotice })
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
            payload: { bytes, mediaType: JSON_REPORT.mediaType },
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
        if (outcome.status === 'fulfilled') {
          results[index] = { index, status: outcome.value.outcome, acceptance: outcome.value.acceptance }
          return
        }
        const refused = refusal(outcome.reason)
        if (refused) results[index] = rejected(index, refused)
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

/** The sender's fault (a 4xx), answered as that item's problem; undefined for anything else. */
function refusal(error: unknown): ProblemError | undefined {
  const known = problemOf(error)
  return known && known.status < 500 ? known : undefined
}

/** Logged like any 5xx (with the request id the sender can quote), answered as that item's problem. */
function failed(request: FastifyRequest, index: number, error: unknown): ProblemError {
  const known = problemOf(error)
  if (known) return known
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
