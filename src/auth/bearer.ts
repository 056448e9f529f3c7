import { AuthError, type AuthErrorCode } from './auth-error.ts'

/** RFC 6750 §2.1: one "Bearer" scheme (case-insensitive), one or more spaces, a token68. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
const BEARER_SCHEME = /^Bearer(?: |$)/i

const REALM = 'hotline-gateway'

/** The bearer token in an Authorization header value, or null when absent or malformed. */
export function parseBearer(authorizationHeader?: string): string | null {
  if (authorizationHeader === undefined) return null
  return BEARER.exec(authorizationHeader)?.[1] ?? null
}

/**
 * Like parseBearer, but says why there is no token: no Bearer credentials at all is
 * AUTH_MISSING_TOKEN (RFC 6750 §3.1: answer without an error code), while a Bearer header
 * we cannot parse is AUTH_INVALID_REQUEST so the partner learns their client is broken.
 */
export function requireBearer(authorizationHeader?: string): string {
  const token = parseBearer(authorizationHeader)
  if (token !== null) return token
  if (authorizationHeader !== undefined && BEARER_SCHEME.test(authorizationHeader)) {
    throw new AuthError('AUTH_INVALID_REQUEST', 'Authorization header must be "Bearer <token>" with a single token')
  }
  throw new AuthError('AUTH_MISSING_TOKEN', 'a Bearer access token is required')
}

const RFC6750_ERROR: Partial<Record<AuthErrorCode, string>> = {
  AUTH_INVALID_REQUEST: 'invalid_request',
  AUTH_INVALID_TOKEN: 'invalid_token',
  AUTH_EXPIRED: 'invalid_token',
  AUTH_INSUFFICIENT_SCOPE: 'insufficient_scope',
}

// RFC 6750 §3: error_description and scope may not contain '"' or '\' (no escaping exists).
const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

export interface ChallengeError {
  code: AuthErrorCode
  description?: string
}

/** An RFC 6750 WWW-Authenticate value, e.g. `Bearer realm="hotline-gateway", error="invalid_token"`. */
export function wwwAuthenticate(error?: ChallengeError, scope?: readonly string[] | string): string {
  const params = [`realm="${REALM}"`]
  const rfcError = error ? RFC6750_ERROR[error.code] : undefined
  if (error && rfcError) {
    params.push(`error="${rfcError}"`)
    const description = error.description?.replace(NOT_DESCRIPTION_CHAR, '')
    if (description) params.push(`error_description="${description}"`)
  }
  const scopes = scopeList(scope)
  if (scopes) params.push(`scope="${scopes}"`)
  return `Bearer ${params.join(', ')}`
}

function scopeList(scope: readonly string[] | string | undefined): string {
  const tokens = typeof scope === 'string' ? scope.split(' ') : (scope ?? [])
  return tokens.filter((token) => SCOPE_TOKEN.test(token)).join(' ')
}
