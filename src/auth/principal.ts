import type { FastifyRequest } from 'fastify'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Principal } from './access.ts'

/**
 * Who is calling an operation that declares bearer security. The auth plugin's onRequest hook sets
 * it before any handler runs, or refuses the request; so a handler that finds none is a bug of ours
 * (its operation's security in openapi.yaml names no bearer scheme): a 500, never the caller's doing.
 */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal) return request.principal
  throw new GatewayError('AUTH_NO_PRINCIPAL', `operation ${request.routeOptions.config.operation?.operationId} has no authenticated caller`)
}
