import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ProblemBody } from '../http/problems.ts'
import { markup, type Html } from './html.ts'
import { page } from './layout.ts'
import { PAGE_CSP } from './respond.ts'
import { chooseLanguage, messagesFor } from './messages.ts'

/** Whether the route is a page (or a download from one): its refusals are pages too, not problem+json. */
function isPageRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.config?.operation?.produces ?? []).includes('text/html')
}

/** The application's ProblemRenderer: a page route's refusals are pages, with the pages' CSP. */
export function renderProblemPage(request: FastifyRequest, reply: FastifyReply, problem: ProblemBody): FastifyReply | undefined {
  if (!isPageRoute(request)) return undefined
  const text = problemPage(request, problem).text
  return reply.header('content-security-policy', PAGE_CSP).type('text/html; charset=utf-8').serializer(String).send(text)
}

/** A refusal (rate limit, a malformed post, an outage) as a page a person can read; the request id to quote. */
function problemPage(request: FastifyRequest, problem: ProblemBody): Html {
  const language = chooseLanguage((request.query as { lang?: unknown } | undefined)?.lang, request.headers['accept-language'])
  const m = messagesFor(language)
  const text = problem.code === 'HG_RATE_LIMITED' ? m.rateLimited : problem.detail
  return page({
    language,
    title: m.errorTitle,
    brand: 'hotline-gateway',
    skipLabel: m.skip,
    body: markup`<h1>${m.errorTitle}</h1>
      <p>${text}</p>
      <p class="hint">${problem.code} · <span class="mono">${problem.request_id ?? ''}</span></p>`,
  })
}
