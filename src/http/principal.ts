import type { FastifyRequest } from 'fastify'
import { GatewayError } from '../errors/gateway-error.ts'

/** The authenticated caller: the `principal` the auth plugin (src/auth/auth-plugin.ts) decorates requests with. */
type Principal = NonNullable<FastifyRequest['principal']>

/**
 * Who is calling an operation that declares bearer security. The auth plugin's onRequest hook sets
 * it before any handler runs, or refuses the request; so a handler that finds none is a bug of ours
 * (its operation's security in openapi.yaml names no bearer scheme): a 500, never the caller's doing.
 * In src/http, not src/auth, so that every domain's HTTP binding may ask, the directory's too (src/auth
 * imports src/directory).
 */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal) return request.principal
  throw new GatewayError('AUTH_NO_PRINCIPAL', `operation ${request.routeOptions.config.operation?.operationId} has no authenticated caller`)
}
