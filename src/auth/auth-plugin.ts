import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { DirectoryService } from '../directory/directory-service.ts'
import { problem, problemOf, unavailable } from '../http/problems.ts'
import { effectiveScopes, type Principal } from './access.ts'
import { AuthError, isAuthError, parseBearer, wwwAuthenticate, type TokenVerifier } from './token-verifier.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
}

export interface AuthPluginOptions {
  verifier: TokenVerifier
  directory: DirectoryService
}

/**
 * Enforces each operation's declared `security` from openapi.yaml: public operations (`[]`) pass;
 * every other needs a valid bearer token whose client acts for a participant in the directory and
 * holds the scopes the operation names. 401 carries a WWW-Authenticate challenge (RFC 6750).
 *
 * A refusal is decided in onRequest but answered in preParsing: in between, the rate limiter (a
 * route onRequest hook, which runs after this one) counts the refused request per client IP, like
 * a public one. Otherwise requests without a valid token would never be limited.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, { verifier, directory }: AuthPluginOptions) => {
    const refusals = new WeakMap<FastifyRequest, unknown>()
    app.decorateRequest('principal', undefined)
    app.addHook('onRequest', async (request) => {
      const security = request.routeOptions.config.operation?.security
      try {
        refuseTokenInQuery(request)
        if (!security || security.length === 0 || security.every(isConsoleSession)) return
        request.principal = await authenticate(request, verifier, directory, alternatives(security))
      } catch (error) {
        refusals.set(request, error)
      }
    })
    app.addHook('preParsing', async (request) => {
      if (refusals.has(request)) throw refusals.get(request)
    })
  },
  { name: 'auth', fastify: '5.x' },
)

/** The console's own scheme: its handlers check the session cookie themselves (src/console/console-routes.ts). */
function isConsoleSession(requirement: Record<string, string[]>): boolean {
  const schemes = Object.keys(requirement)
  return schemes.length === 1 && schemes[0] === 'consoleSession'
}

/**
 * OpenAPI security: the requirement objects are alternatives (OR); within one, the scopes are all
 * needed (AND). We declare one scheme, bearerAuth.
 */
function alternatives(security: Array<Record<string, string[]>>): string[][] {
  return security.map((requirement) => requirement.bearerAuth ?? [])
}

async function authenticate(request: FastifyRequest, verifier: TokenVerifier, directory: DirectoryService, options: string[][]): Promise<Principal> {
  const required = [...new Set(options.flat())]
  const token = parseBearer(request.headers.authorization)
  if (!token) throw unauthenticated(new AuthError('AUTH_MISSING_TOKEN', 'a bearer access token is required'), required)
  let verified
  try {
    verified = await verifier.verify(token)
  } catch (error) {
    if (!isAuthError(error)) throw error
    // answered as the catalogue says, with what RFC 6750 and a retrying client need added
    const answer = problemOf(error)?.code
    if (answer === 'HG_UNAUTHENTICATED') throw unauthenticated(error, required)
    if (answer === 'HG_UNAVAILABLE') throw unavailable('the identity provider cannot be reached to check the token; try again shortly')
    throw error
  }
  const current = await directory.current()
  const participant = current?.byClient.get(verified.clientId)
  if (!participant || !current) {
    throw problem('HG_FORBIDDEN', `client ${verified.clientId} does not act for any participant in the directory`)
  }
  const scopes = effectiveScopes(participant.kind, verified.scopes)
  if (!options.some((needed) => needed.every((scope) => scopes.has(scope)))) {
    const needs = options.map((needed) => needed.join(' and ')).join(', or ')
    throw problem('HG_FORBIDDEN', `this operation needs the scope(s) ${needs}`, {
      headers: { 'www-authenticate': wwwAuthenticate({ code: 'AUTH_INSUFFICIENT_SCOPE' }, required) },
    })
  }
  request.log.debug({ participant: participant.id, client: verified.clientId }, 'authenticated')
  return { participant, clientId: verified.clientId, scopes, directory: current }
}

/**
 * RFC 6750 §2.3: a token in the URI ends up in logs, histories and Referer headers; we accept
 * none there, on any operation, so that no client comes to rely on it.
 */
function refuseTokenInQuery(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined
  if (!query || !Object.hasOwn(query, 'access_token')) return
  const message = 'send the access token in the Authorization header (RFC 6750 §2.1), never in the URL'
  throw problem('HG_BAD_REQUEST', `query access_token: ${message}`, {
    errors: [{ in: 'query', pointer: '/access_token', message }],
    headers: { 'www-authenticate': wwwAuthenticate({ code: 'AUTH_INVALID_REQUEST', description: message }) },
  })
}

function unauthenticated(error: AuthError, required: string[]) {
  // RFC 6750 §3.1: a request without credentials gets a challenge with no error code
  const challenge = wwwAuthenticate(error.code === 'AUTH_MISSING_TOKEN' ? undefined : { code: error.code, description: error.message }, required)
  return problem('HG_UNAUTHENTICATED', error.message, { headers: { 'www-authenticate': challenge } })
}
