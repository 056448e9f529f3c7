import type { FastifyRequest } from 'fastify'
import type { ProblemBody } from '../http/problems.ts'
import { markup, type Html } from './html.ts'
import { page } from './layout.ts'
import { chooseLanguage, messagesFor } from './messages.ts'

/** Whether the route is a page (or a download from one): its refusals are pages too, not problem+json. */
export function isPageRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.config?.operation?.produces ?? []).includes('text/html')
}

/** A refusal (rate limit, a malformed post, an outage) as a page a person can read; the request id to quote. */
export function problemPage(request: FastifyRequest, problem: ProblemBody): Html {
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
