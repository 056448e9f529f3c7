import type { FastifyReply, FastifyRequest } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { Sealer } from '../crypto/sealer.ts'
import type { DirectoryService, DirectoryVersion } from '../directory/directory-service.ts'
import type { Participant } from '../directory/participant.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { problemOf } from '../http/problems.ts'
import type { IntakeService } from '../intake/intake-service.ts'
import type { ReportValidator } from '../intake/report.ts'
import { cookieJar } from './cookies.ts'
import { markup } from './html.ts'
import { page } from './layout.ts'
import { chooseLanguage, messagesFor, type Language } from './messages.ts'
import { formErrorsFrom, reportFromForm, type FormError, type ReportFormFields } from './report-form-fields.ts'
import { confirmationBody, reportFormBody } from './report-form-view.ts'
import { sendPage } from './respond.ts'
import { sealedTokens } from './sealed-token.ts'

export interface ReportFormOptions {
  intake: IntakeService
  directory: DirectoryService
  validateReport: ReportValidator
  sealer: Sealer
  /** REPORT_FORM_PARTICIPANT: whose form this is (the reports' sender); none: the form is closed. */
  participantId: string | undefined
  emergencyNumber: string
  secureCookies: boolean
}

/** A form token lives this long: a person may take their time, a harvested token soon goes stale. */
const FORM_TOKEN_SECONDS = 4 * 3600
const FORM_COOKIE = 'hg_form'
const PATH = '/report'

interface FormToken {
  /** Also the submission's idempotency key: sending the same form twice stores one report. */
  nonce: string
  issued: number
}

/**
 * The public report form (channel web_form). Its submission is an ordinary report of the configured
 * participant: the canonical schema, intake, routing and audit entries are exactly the API's.
 * Protection without script: a sealed double-submit token (cookie and hidden field must match) against
 * cross-site posting, a honeypot field and a per-IP rate limit (protection.ts) against floods.
 */
export function reportFormHandlers(options: ReportFormOptions): OperationHandlers {
  const tokens = sealedTokens<FormToken>(options.sealer, 'report-form')
  const cookies = cookieJar(options.secureCookies)

  const issueToken = (reply: FastifyReply): string => {
    const token = tokens.make({ nonce: randomUUID(), issued: Date.now() })
    cookies.set(reply, FORM_COOKIE, token, FORM_TOKEN_SECONDS)
    return token
  }

  const sender = async (): Promise<{ participant: Participant; directory: DirectoryVersion } | undefined> => {
    const directory = await options.directory.current()
    const participant = options.participantId ? directory?.byId.get(options.participantId) : undefined
    return participant && directory ? { participant, directory } : undefined
  }

  const formPage = (reply: FastifyReply, status: number, language: Language, brand: string, values: ReportFormFields, errors: FormError[]) => {
    const messages = messagesFor(language)
    const body = reportFormBody({
      language,
      messages,
      hotline: brand,
      emergencyNumber: options.emergencyNumber,
      action: PATH,
      token: issueToken(reply),
      values,
      errors,
    })
    const title = errors.length > 0 ? `${messages.errorsTitle} ${messages.htmlTitle}` : messages.htmlTitle
    return sendPage(
      reply,
      status,
      page({ language, title, brand, languagePath: PATH, languageLabel: messages.languages, skipLabel: messages.skip, body }),
    )
  }

  const closed = (reply: FastifyReply, language: Language) => {
    const m = messagesFor(language)
    const body = markup`<h1>${m.closedTitle}</h1>
      <p>${m.closedText}</p>`
    return sendPage(
      reply,
      503,
      page({ language, title: m.closedTitle, brand: 'hotline-gateway', languagePath: PATH, languageLabel: m.languages, body }),
    )
  }

  return {
    getReportForm: async (request, reply) => {
      const language = chooseLanguage((request.query as { lang?: string }).lang, request.headers['accept-language'])
      const found = await sender()
      if (!found) return closed(reply, language)
      return formPage(reply, 200, language, found.participant.name, {}, [])
    },

    submitReportForm: async (request, reply) => {
      const form = request.body as ReportFormFields
      const language = chooseLanguage(form.lang, request.headers['accept-language'])
      const found = await sender()
      if (!found) return closed(reply, language)
      const brand = found.participant.name
      const token = tokens.read(form.form_token)
      if (!token || form.form_token !== cookies.read(request, FORM_COOKIE) || Date.now() - token.issued > FORM_TOKEN_SECONDS * 1000) {
        request.log.info({ code: 'FORM_TOKEN_INVALID' }, 'report form refused: missing, foreign or expired form token')
        return formPage(reply, 400, language, brand, form, [{ field: 'form_token', key: 'error.form_token.expired' }])
      }
      if (form.website) {
        request.log.info({ code: 'FORM_HONEYPOT' }, 'report form refused: the honeypot field was filled')
        return formPage(reply, 400, language, brand, {}, [{ field: 'links', key: 'error.invalid' }])
      }
      const mapped = reportFromForm(form, { channel: 'web_form', language, today: new Date().toISOString().slice(0, 10) })
      if (!mapped.ok) return formPage(reply, 400, language, brand, form, mapped.errors)
      const validation = options.validateReport(mapped.report)
      if (!validation.ok) return formPage(reply, 400, language, brand, form, formErrorsFrom(validation.errors, mapped.lines))
      let result
      try {
        result = await options.intake.submit({
          sender: found.participant,
          directory: found.directory,
          report: validation.report,
          payload: { bytes: request.rawBody ?? Buffer.alloc(0), mediaType: 'application/x-www-form-urlencoded' },
          idempotencyKey: `web-form-${token.nonce}`,
        })
      } catch (error) {
        if (problemOf(error)?.code !== 'HG_CONFLICT') throw error
        return formPage(reply, 409, language, brand, form, [{ field: 'form_token', key: 'error.form_token.used' }])
      }
      return confirmation(request, reply, language, brand, result.acceptance.id, validation.report.urgency?.imminent_danger === true)
    },
  }

  function confirmation(_request: FastifyRequest, reply: FastifyReply, language: Language, brand: string, reference: string, urgent: boolean) {
    const messages = messagesFor(language)
    const body = confirmationBody({ messages, reference, urgent, emergencyNumber: options.emergencyNumber, again: `${PATH}?lang=${language}` })
    return sendPage(reply, 200, page({ language, title: messages.thanksTitle, brand, skipLabel: messages.skip, body }))
  }
}
