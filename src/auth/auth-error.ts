import { GatewayError } from '../errors/gateway-error.ts'

/**
 * Stable codes for every way authentication can fail. Callers branch on `code`, never on
 * the message; messages are for humans and never contain a token or key.
 */
export type AuthErrorCode =
  | 'AUTH_MISSING_TOKEN'
  | 'AUTH_INVALID_REQUEST'
  | 'AUTH_INVALID_TOKEN'
  | 'AUTH_EXPIRED'
  | 'AUTH_INSUFFICIENT_SCOPE'
  | 'AUTH_ISSUER_UNAVAILABLE'
  | 'AUTH_DISCOVERY_FAILED'
  | 'AUTH_CONFIG'

/**
 * How an API answers each is src/http/problems.ts's DOMAIN_PROBLEMS; the start-up codes
 * (AUTH_DISCOVERY_FAILED, AUTH_CONFIG) are not there, because they are our fault: a 500.
 */
export class AuthError extends GatewayError<AuthErrorCode> {}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError
}
