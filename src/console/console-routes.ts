import type { FastifyReply } from 'fastify'
import type { Principal } from '../auth/access.ts'
import type { TokenVerifier } from '../auth/token-verifier.ts'
import type { Sealer } from '../crypto/sealer.ts'
import type { DirectoryService } from '../directory/directory-service.ts'
import type { Escalations } from '../handoffs/escalations.ts'
import type { HandoffService } from '../handoffs/handoff-service.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { problemOf } from '../http/problems.ts'
import type { IntakeService } from '../intake/intake-service.ts'
import type { ReportQueries } from '../intake/report-queries.ts'
import type { ReportValidator } from '../intake/report.ts'
import { cookieJar } from '../pages/cookies.ts'
import type { Html } from '../pages/html.ts'
import { formErrorsFrom, reportFromForm, type FormError, type ReportFormFields } from '../pages/report-form-fields.ts'
import { sendPage } from '../pages/respond.ts'
import { sealedTokens } from '../pages/sealed-token.ts'
import type { ConsoleLogin, LoginStart } from './console-login.ts'
import type { ConsoleQueries } from './console-queries.ts'
import { SESSION_HOURS, type ConsoleSession, type ConsoleSessions } from './console-sessions.ts'
import { ConsoleRefusal, createConsoleAccess, SESSION_COOKIE } from './console-access.ts'
import { consolePage, dashboardBody, deliveriesBody, reportBody } from './console-views.ts'

export interface ConsoleOptions {
  login: ConsoleLogin | undefined
  sessions: ConsoleSessions
  queries: ConsoleQueries
  verifier: TokenVerifier
  directory: DirectoryService
  intake: IntakeService
  reports: ReportQueries
  handoffs: HandoffService
  escalations: Escalations
  validateReport: ReportValidator
  sealer: Sealer
  secureCookies: boolean
  /** PUBLIC_URL: the base of the redirect URI; otherwise the request's own origin. */
  publicUrl: string | undefined
}

const LOGIN_COOKIE = 'hg_login'
const LOGIN_SECONDS = 600

type Pending = LoginStart['pending'] & { issued: number }

/**
 * The operator console (channel phone_operator): login through the OIDC issuer (code + PKCE), a
 * session in PostgreSQL behind an HttpOnly cookie, and the API's services called as the operators'
 * participant. Every form carries the session's form token, so another site cannot post one.
 */
export function consoleHandlers(options: ConsoleOptions): OperationHandlers {
  const cookies = cookieJar(options.secureCookies)
  const pendingLogins = sealedTokens<Pending>(options.sealer, 'console-login')
  const { actingAs, guarded, signedOut } = createConsoleAccess({ sessions: options.sessions, directory: options.directory, cookies })

  const assertFormToken = (session: ConsoleSession, body: unknown) => {
    if ((body as { form_token?: string }).form_token !== session.formToken)
      throw new ConsoleRefusal(400, 'This form was not made for your session; reload the page and try again.')
  }

  const names = async () => new Map((await options.directory.current())?.document.participants.map((p) => [p.id, p.name] as const) ?? [])

  const show = (reply: FastifyReply, status: number, session: ConsoleSession, principal: Principal, title: string, body: Html) =>
    sendPage(reply, status, consolePage({ session, acting: principal.participant.name, title, body }))

  async function dashboard(reply: FastifyReply, status: number, ctx: { session: ConsoleSession; principal: Principal }, failed?: DashboardFailure) {
    const recent = await options.queries.recentReports(ctx.principal.participant.id)
    const body = dashboardBody({
      session: ctx.session,
      values: failed?.values ?? {},
      errors: failed?.errors ?? [],
      failed: failed?.form,
      recent,
      names: await names(),
    })
    return show(reply, status, ctx.session, ctx.principal, 'Reports', body)
  }

  return {
    getConsole: guarded(async (request, reply) => {
      if (!(await options.sessions.find(cookies.read(request, SESSION_COOKIE))))
        return signedOut(reply, 401, 'Log in with your hotline account to key reports and follow deliveries.')
      return dashboard(reply, 200, await actingAs(request, 'reports:read'))
    }),

    startConsoleLogin: guarded(async (request, reply) => {
      if (!options.login) throw new ConsoleRefusal(503, 'No OpenID Connect issuer is configured for the console.')
      const start = await options.login.start(`${options.publicUrl ?? `${request.protocol}://${request.host}`}/console/callback`)
      cookies.set(reply, LOGIN_COOKIE, pendingLogins.make({ ...start.pending, issued: Date.now() }), LOGIN_SECONDS, 'Lax')
      return reply.code(303).header('location', start.url).header('cache-control', 'no-store').send()
    }),

    finishConsoleLogin: guarded(async (request, reply) => {
      const pending = pendingLogins.read(cookies.read(request, LOGIN_COOKIE))
      cookies.clear(reply, LOGIN_COOKIE)
      if (!options.login || !pending || Date.now() - pending.issued > LOGIN_SECONDS * 1000)
        throw new ConsoleRefusal(400, 'The login took too long or was started elsewhere; please log in again.')
      const callback = new URL(pending.redirectUri)
      callback.search = new URL(request.url, 'http://callback.invalid').search
      let token
      try {
        token = await options.verifier.verify(await options.login.finish(callback, pending))
      } catch (error) {
        request.log.info({ code: (error as { code?: string }).code ?? 'LOGIN_FAILED' }, 'console login failed')
        throw new ConsoleRefusal(401, 'The login did not succeed; please try again.')
      }
      const participant = (await options.directory.current())?.byClient.get(token.clientId)
      if (!participant) throw new ConsoleRefusal(403, `The client ${token.clientId} does not act for any participant in the directory.`)
      const { id } = await options.sessions.open({
        participantId: participant.id,
        clientId: token.clientId,
        subject: token.subject,
        scopes: [...token.scopes],
      })
      cookies.set(reply, SESSION_COOKIE, id, SESSION_HOURS * 3600, 'Lax')
      request.log.info({ participant: participant.id }, 'console login')
      return reply.code(303).header('location', '/console').send()
    }),

    logoutConsole: guarded(async (request, reply) => {
      const id = cookies.read(request, SESSION_COOKIE)
      const session = await options.sessions.find(id)
      if (session) assertFormToken(session, request.body)
      await options.sessions.close(id)
      cookies.clear(reply, SESSION_COOKIE)
      return signedOut(reply, 200, 'You are logged out.')
    }),

    submitConsoleReport: guarded(async (request, reply) => {
      const ctx = await actingAs(request, 'reports:write')
      const form = request.body as ReportFormFields
      assertFormToken(ctx.session, form)
      const which = 'content_type' in form ? 'full' : 'urgent'
      const refuse = (errors: FormError[]) => dashboard(reply, 400, ctx, { form: which, values: form, errors })
      if (which === 'urgent' && !form.danger_reason?.trim()) return refuse([{ field: 'danger_reason', key: 'error.invalid' }])
      const mapped = reportFromForm(form, { channel: 'phone_operator', language: 'en', today: new Date().toISOString().slice(0, 10) })
      if (!mapped.ok) return refuse(mapped.errors)
      const validation = options.validateReport(mapped.report)
      if (!validation.ok) return refuse(formErrorsFrom(validation.errors, mapped.lines))
      const result = await options.intake.submit({
        sender: ctx.principal.participant,
        directory: ctx.principal.directory,
        report: validation.report,
        payload: { bytes: request.rawBody ?? Buffer.alloc(0), mediaType: 'application/x-www-form-urlencoded' },
      })
      return reply.code(303).header('location', `/console/reports/${result.acceptance.id}?notice=sent`).send()
    }),

    getConsoleReport: guarded(async (request, reply) => {
      const ctx = await actingAs(request, 'reports:read')
      const { reportId } = request.params as { reportId: string }
      const status = await options.reports.statusFor(reportId, ctx.principal.participant.id)
      if (!status) throw new ConsoleRefusal(404, `No report ${reportId} was sent by ${ctx.principal.participant.name}.`)
      const notice = NOTICES[(request.query as { notice?: string }).notice ?? '']
      return show(reply, 200, ctx.session, ctx.principal, `Report ${reportId}`, reportBody(status, await names(), ctx.session.formToken, notice))
    }),

    retractConsoleReport: guarded(async (request, reply) => {
      const ctx = await actingAs(request, 'reports:write')
      assertFormToken(ctx.session, request.body)
      const { reportId } = request.params as { reportId: string }
      const reason = (request.body as { reason?: string }).reason?.trim()
      if (!reason) throw new ConsoleRefusal(400, 'Say why the report is retracted.')
      try {
        await options.reports.retract(reportId, ctx.principal.participant.id, reason)
      } catch (error) {
        throw refusalOf(error)
      }
      return reply.code(303).header('location', `/console/reports/${reportId}?notice=retracted`).send()
    }),

    listConsoleDeliveries: guarded(async (request, reply) => {
      const ctx = await actingAs(request, 'deliveries:admin')
      const [{ escalations }, deadLetters] = await Promise.all([options.escalations.open(100), options.queries.deadLetters()])
      const notice = NOTICES[(request.query as { notice?: string }).notice ?? '']
      return show(
        reply,
        200,
        ctx.session,
        ctx.principal,
        'Deliveries',
        deliveriesBody(escalations as never[], deadLetters, ctx.session.formToken, notice),
      )
    }),

    redeliverFromConsole: guarded(async (request, reply) => {
      const ctx = await actingAs(request, 'deliveries:admin')
      assertFormToken(ctx.session, request.body)
      const { handoffId } = request.params as { handoffId: string }
      try {
        await options.handoffs.redeliver(handoffId, ctx.principal)
      } catch (error) {
        throw refusalOf(error)
      }
      return reply.code(303).header('location', '/console/deliveries?notice=redelivered').send()
    }),
  }
}

interface DashboardFailure {
  form: 'urgent' | 'full'
  values: ReportFormFields
  errors: FormError[]
}

const NOTICES: Record<string, string> = {
  sent: 'The report was received and routed.',
  retracted: 'The report is retracted; its destinations are told.',
  redelivered: 'The handoff is back in the push queue.',
}

/** A refusal of the domain (a 4xx) is shown on the console's page; anything else goes on to the error handler. */
function refusalOf(error: unknown): unknown {
  const known = problemOf(error)
  return known && known.status < 500 ? new ConsoleRefusal(known.status, known.detail) : error
}
