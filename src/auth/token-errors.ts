import { errors } from 'jose'

import { AuthError } from './auth-error.ts'

const invalid = (message: string): AuthError => new AuthError('AUTH_INVALID_TOKEN', message)

const CLAIM_MESSAGES: Readonly<Record<string, string>> = {
  aud: 'token audience does not include this gateway',
  iss: 'token issuer is not trusted by this gateway',
  typ: 'token is not a JWT access token (header typ must be at+jwt, RFC 9068)',
  nbf: 'token is not valid yet',
  iat: 'token issue time is invalid',
}

/**
 * Translates jose's verification failures into our stable codes. Messages are fixed strings:
 * jose errors carry the decoded claims, so neither they nor their text leave this function.
 * Anything unrecognised is a bug on our side and is rethrown untouched.
 */
export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error
  if (error instanceof errors.JWTExpired) return new AuthError('AUTH_EXPIRED', 'token has expired')
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error)
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('token signing algorithm is not allowed')
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('token signature is invalid')
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid('token signing key is not published by the issuer')
  }
  if (error instanceof errors.JOSENotSupported) return invalid('token uses an unsupported algorithm or format')
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return invalid('token is not a well-formed JWT')
  throw error
}

function claimError(error: InstanceType<typeof errors.JWTClaimValidationFailed>): AuthError {
  if (error.reason === 'missing') return invalid(`token lacks the required "${error.claim}" claim`)
  return invalid(CLAIM_MESSAGES[error.claim] ?? 'token claims are invalid')
}

/**
 * Key-selection errors that blame the token (unknown kid, unusable alg). Every other failure
 * while getting keys is the issuer's or network's fault and must not be reported as a bad token.
 */
export function isTokenKeyMismatch(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported
}
