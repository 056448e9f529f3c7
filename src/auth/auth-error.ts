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

/** HTTP status an API should answer with; start-up codes map to 500 because they are our fault. */
const STATUS: Readonly<Record<AuthErrorCode, number>> = {
  AUTH_MISSING_TOKEN: 401,
  AUTH_INVALID_REQUEST: 400,
  AUTH_INVALID_TOKEN: 401,
  AUTH_EXPIRED: 401,
  AUTH_INSUFFICIENT_SCOPE: 403,
  AUTH_ISSUER_UNAVAILABLE: 503,
  AUTH_DISCOVERY_FAILED: 500,
  AUTH_CONFIG: 500,
}

export class AuthError extends GatewayError<AuthErrorCode> {
  get status(): number {
    return STATUS[this.code]
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError
}
