import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { toFieldProblems } from './schema-compilers.ts'
import { isDatabaseUnavailable } from '../db/unavailable.ts'
import { PROBLEM_MEDIA_TYPE, problem, problemBody, problemOf, ProblemError, unavailable, type FieldProblem, type ProblemBody } from './problems.ts'

/** Fastify's own error codes, mapped onto our catalogue. */
const FASTIFY_CODES: Record<string, ProblemError['code']> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HG_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HG_BAD_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'HG_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HG_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HG_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_TYPE: 'HG_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'HG_BAD_REQUEST',
}

const PART: Record<string, FieldProblem['in']> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

/**
 * The one place where errors become responses: RFC 9457 problem+json, the request id in every body,
 * internals never in a 5xx body (they go to the log, with the request id to find them).
 */
export function installErrorHandling(app: FastifyInstance, allowedMethods: (path: string) => string[], sendProblem: ProblemSender): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = toProblem(error)
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: mapped.code, status: mapped.status }, 'request refused')
    return sendProblem(request, reply, mapped)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const methods = allowedMethods(path)
    if (methods.length > 0) {
      reply.header('allow', [...new Set(methods)].join(', '))
      return sendProblem(request, reply, problem('HG_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${shown(path)}`))
    }
    return sendProblem(request, reply, problem('HG_NOT_FOUND', `no operation at ${shown(request.method)} ${shown(path)}`))
  })
}

export type ProblemSender = (request: FastifyRequest, reply: FastifyReply, error: ProblemError) => FastifyReply

/**
 * Answers a refusal in another form than problem+json when a route asks for it (people's pages answer
 * with a page): the reply it sent, or undefined to leave it to problem+json. Given by the application,
 * so that http/ knows no page.
 */
export type ProblemRenderer = (request: FastifyRequest, reply: FastifyReply, body: ProblemBody) => FastifyReply | undefined

export function createProblemSender(render?: ProblemRenderer): ProblemSender {
  return function sendProblem(request, reply, error) {
    for (const [name, value] of Object.entries(error.extensions.headers ?? {})) reply.header(name, value)
    const path = request.url.split('?')[0] ?? ''
    const body = problemBody(error, request.id, path.length <= MAX_ECHO ? path : undefined)
    reply.code(error.status)
    const rendered = render?.(request, reply, body)
    if (rendered) return rendered
    // serialised here: the route's response schema describes its own payloads, not every problem
    return reply
      .type(PROBLEM_MEDIA_TYPE)
      .serializer((p: unknown) => JSON.stringify(p))
      .send(body)
  }
}

/** The longest piece of the request an error echoes back: paths can be kilobytes long, answers stay small. */
const MAX_ECHO = 256

function shown(text: string): string {
  return text.length <= MAX_ECHO ? text : `${text.slice(0, MAX_ECHO)}… (${text.length} characters)`
}

/** The problem any error answers with (a batch answers each item's error with it). */
export function toProblem(error: FastifyError): ProblemError {
  const known = problemOf(error)
  if (known) return known
  if (error.validation) {
    const where = PART[error.validationContext ?? 'body'] ?? 'body'
    const errors = toFieldProblems(error.validation as never, where)
    const named = errors.map((e) => `${e.in} ${e.pointer || '/'} ${e.message}`).join('; ')
    return problem('HG_VALIDATION', named, { errors })
  }
  const code = error.code ? FASTIFY_CODES[error.code] : undefined
  if (code) return problem(code, error.message)
  if (error instanceof SyntaxError && error.statusCode === 400) return problem('HG_MALFORMED_BODY', 'the body is not valid JSON')
  if (error.statusCode === 429) return problem('HG_RATE_LIMITED', error.message)
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return problem('HG_BAD_REQUEST', error.message)
  if (isDatabaseUnavailable(error)) return unavailable('the database cannot be reached just now; retry after the time in Retry-After')
  return problem('HG_INTERNAL', 'an internal error occurred; quote the request_id when you report it')
}
