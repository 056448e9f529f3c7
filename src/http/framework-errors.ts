import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { PROBLEM_MEDIA_TYPE, problem, problemBody, type ProblemError } from './problems.ts'

/**
 * Errors Fastify and Node answer before a route (and our error handler) is reached: an undecodable
 * URL, an over-long path parameter, oversized or malformed request heads. They get problem+json like
 * every other error, and never echo the input: the offending path or header can be kilobytes long.
 */

/** Fastify's `frameworkErrors`: the router's own refusals, with a request and reply to answer through. */
export function frameworkErrorHandler(send: (request: FastifyRequest, reply: FastifyReply, error: ProblemError) => FastifyReply) {
  // no route is matched, so no onSend hook runs: the request id header is set here
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    send(request, reply.header('x-request-id', request.id), routerProblem(error))
}

function routerProblem(error: FastifyError): ProblemError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return problem('HG_BAD_REQUEST', 'the request path is not a valid URL (a percent-encoding does not decode to UTF-8)')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('HG_URI_TOO_LONG', 'a path parameter is longer than any this API accepts')
    default:
      return problem('HG_BAD_REQUEST', 'the request could not be routed')
  }
}

/** Node's `clientError` (no request object exists yet): a complete HTTP/1.1 answer written on the socket. */
export const clientErrorHandler: NonNullable<FastifyServerOptions['clientErrorHandler']> = (error: Error & { code?: string }, socket: Socket) => {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (socket.writable) socket.write(rawResponse(clientProblem(error.code)))
  socket.destroy(error)
}

function clientProblem(code: string | undefined): ProblemError {
  if (code === 'HPE_HEADER_OVERFLOW') return problem('HG_HEADERS_TOO_LARGE', 'the request headers are larger than this server accepts')
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem('HG_REQUEST_TIMEOUT', 'the request was not received in time')
  return problem('HG_BAD_REQUEST', 'the request is not valid HTTP/1.1')
}

function rawResponse(error: ProblemError): string {
  const body = JSON.stringify(problemBody(error))
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}`,
    `Content-Type: ${PROBLEM_MEDIA_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ]
  return `${head.join('\r\n')}\r\nConnection: close\r\n\r\n${body}`
}
