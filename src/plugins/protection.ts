import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet from 'helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type pg from 'pg'
import { problem } from '../http/problems.ts'
import { pgRateLimitStore } from '../http/rate-limit-store.ts'

export interface ProtectionOptions {
  pool: pg.Pool
  /** Requests per minute per client IP on public operations. */
  publicPerMinute: number
  /** Requests per minute per participant on authenticated operations. */
  participantPerMinute: number
  /** Public operations with a budget of their own per client IP (operationId -> requests per minute), e.g. form posts. */
  perOperation?: Record<string, number>
}

/**
 * Security headers on every response, and rate limits shared across processes: per participant
 * once authenticated (the auth hook runs first), per client IP on public operations.
 */
export const protectionPlugin = fp(
  async (app: FastifyInstance, options: ProtectionOptions) => {
    const headers = securityHeaders()
    const ownBudget = (operationId: string | undefined) => (operationId && options.perOperation?.[operationId] ? operationId : undefined)
    app.addHook('onRequest', async (_request, reply) => {
      reply.headers(headers)
    })
    await app.register(rateLimit, {
      global: true,
      timeWindow: 60_000,
      store: pgRateLimitStore(options.pool),
      keyGenerator: (request) => {
        if (request.principal) return `participant:${request.principal.participant.id}`
        const own = ownBudget(request.routeOptions.config.operation?.operationId)
        return own ? `ip:${request.ip}:${own}` : `ip:${request.ip}`
      },
      max: (request) => {
        if (request.principal) return options.participantPerMinute
        const own = ownBudget(request.routeOptions.config.operation?.operationId)
        return own ? options.perOperation![own]! : options.publicPerMinute
      },
      allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        problem('HG_RATE_LIMITED', `more than ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s`),
    })
  },
  { name: 'protection', fastify: '5.x', dependencies: ['auth'] },
)

/**
 * helmet's headers are the same for every response: compute them once. (@fastify/helmet rebuilds
 * helmet's middleware on every request, which showed in intake profiles.) Swagger UI's pages set
 * their own CSP on top.
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  }
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, () => undefined)
  return headers
}
