import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'

import { AuthError } from './auth-error.ts'
import { discoverIssuerKeys } from './discovery.ts'
import { isTokenKeyMismatch, toAuthError } from './token-errors.ts'

export { AuthError, isAuthError, type AuthErrorCode } from './auth-error.ts'
export { parseBearer, wwwAuthenticate } from './bearer.ts'

/** A verified RFC 9068 access token, reduced to what authorization decisions need. */
export interface AccessToken {
  clientId: string
  subject: string
  scopes: ReadonlySet<string>
  expiresAt: Date
  tokenId?: string
}

export interface TokenVerifier {
  /** The issuer identifier as discovered; tokens' `iss` must equal it exactly. */
  readonly issuer: string
  readonly audience: string
  /** Resolves to the token's facts or rejects with AuthError. */
  verify(token: string): Promise<AccessToken>
}

export interface TokenVerifierOptions {
  issuer: string
  audience: string
  clockToleranceSeconds?: number
  /** Only for loopback dev/test issuers; https is required everywhere else. */
  allowInsecureHttp?: boolean
}

// Asymmetric only: HS* would let anyone holding the (public) verification key mint tokens,
// and `none` is no signature at all. Ed25519 is the fully-specified name of EdDSA/Ed25519.
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519']
const ACCESS_TOKEN_TYP = 'at+jwt' // jose also accepts "application/at+jwt", case-insensitively
// RFC 9068 §2.2 makes jti required too, but some IdPs omit it and we only use it for logs.
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'client_id']
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30

/**
 * Discovers the issuer once and returns a verifier whose JWKS is fetched lazily, cached and
 * refreshed by jose (at most once per 30 s when an unknown kid shows up).
 */
export async function createTokenVerifier(opts: TokenVerifierOptions): Promise<TokenVerifier> {
  const clockTolerance = opts.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS
  if (!opts.audience || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new AuthError('AUTH_CONFIG', 'token verifier needs a non-empty audience and a clock tolerance of 0 s or more')
  }
  const { issuer, jwksUri } = await discoverIssuerKeys(opts.issuer, opts.allowInsecureHttp)
  const keys = issuerKeys(createRemoteJWKSet(jwksUri))
  const options = {
    issuer,
    audience: opts.audience,
    algorithms: ALGORITHMS,
    typ: ACCESS_TOKEN_TYP,
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance,
  }
  return {
    issuer,
    audience: opts.audience,
    async verify(token: string): Promise<AccessToken> {
      try {
        const { payload } = await jwtVerify(token, keys, options)
        return toAccessToken(payload)
      } catch (error) {
        throw toAuthError(error)
      }
    },
  }
}

/** jose's remote key set, with fetch failures turned into AUTH_ISSUER_UNAVAILABLE (a 503, not a 401). */
function issuerKeys(remote: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await remote(header, token)
    } catch (error) {
      if (isTokenKeyMismatch(error)) throw error
      throw new AuthError('AUTH_ISSUER_UNAVAILABLE', 'the issuer signing keys could not be fetched; try again later')
    }
  }
}

function toAccessToken(payload: JWTPayload): AccessToken {
  const { client_id: clientId, sub, scope, exp, jti, cnf } = payload
  if (cnf !== undefined) {
    // A DPoP/mTLS-bound token used as a plain bearer token is exactly the theft binding prevents.
    throw new AuthError('AUTH_INVALID_TOKEN', 'token is sender-constrained (cnf), which this gateway does not accept')
  }
  if (typeof clientId !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
    throw new AuthError('AUTH_INVALID_TOKEN', 'token client_id, sub or exp claim has the wrong type')
  }
  if (scope !== undefined && typeof scope !== 'string') {
    throw new AuthError('AUTH_INVALID_TOKEN', 'token scope claim must be a space-separated string')
  }
  return {
    clientId,
    subject: sub,
    scopes: new Set(scope ? scope.split(' ').filter(Boolean) : []),
    expiresAt: new Date(exp * 1000),
    ...(typeof jti === 'string' ? { tokenId: jti } : {}),
  }
}
