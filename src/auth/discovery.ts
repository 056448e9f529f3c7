import { allowInsecureRequests, discovery } from 'openid-client'

import { AuthError } from './auth-error.ts'
import { isLoopbackHttp } from './loopback.ts'

/** What the verifier needs from the issuer's metadata. */
export interface IssuerKeys {
  /** The issuer identifier exactly as the IdP declares it; `iss` must equal this. */
  issuer: string
  jwksUri: URL
}

// openid-client models a client; we only read metadata as a resource server, so this id is
// never sent anywhere.
const RESOURCE_SERVER_ID = 'hotline-gateway-resource-server'
const DISCOVERY_TIMEOUT_SECONDS = 10

/** Fetches `<issuer>/.well-known/openid-configuration` once, at start-up. */
export async function discoverIssuerKeys(issuer: string, allowInsecureHttp = false): Promise<IssuerKeys> {
  const issuerUrl = checkedIssuerUrl(issuer, allowInsecureHttp)
  const insecure = issuerUrl.protocol === 'http:'
  let metadata
  try {
    const config = await discovery(issuerUrl, RESOURCE_SERVER_ID, undefined, undefined, {
      execute: insecure ? [allowInsecureRequests] : [],
      timeout: DISCOVERY_TIMEOUT_SECONDS,
    })
    metadata = config.serverMetadata()
  } catch (cause) {
    throw discoveryFailed(issuer, describe(cause))
  }
  return { issuer: metadata.issuer, jwksUri: checkedJwksUri(issuer, metadata.jwks_uri, insecure) }
}

function checkedIssuerUrl(issuer: string, allowInsecureHttp: boolean): URL {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw new AuthError('AUTH_CONFIG', `OIDC issuer "${issuer}" is not an absolute URL`)
  }
  if (url.protocol === 'https:') return url
  if (allowInsecureHttp && isLoopbackHttp(url)) return url
  throw new AuthError(
    'AUTH_CONFIG',
    `OIDC issuer "${issuer}" must use https; plain http is accepted only for loopback dev/test issuers with allowInsecureHttp`,
  )
}

function checkedJwksUri(issuer: string, jwksUri: string | undefined, insecure: boolean): URL {
  if (!jwksUri) throw discoveryFailed(issuer, 'its metadata has no jwks_uri')
  let url: URL
  try {
    url = new URL(jwksUri)
  } catch {
    throw discoveryFailed(issuer, `its jwks_uri "${jwksUri}" is not an absolute URL`)
  }
  if (url.protocol === 'https:' || (insecure && isLoopbackHttp(url))) return url
  throw discoveryFailed(issuer, `its jwks_uri "${jwksUri}" does not use https`)
}

function discoveryFailed(issuer: string, reason: string): AuthError {
  const wellKnown = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
  return new AuthError(
    'AUTH_DISCOVERY_FAILED',
    `OpenID Connect discovery failed for issuer ${issuer}: ${reason}. ` +
      `Check that the issuer URL is the IdP's exact issuer identifier, that ${wellKnown} ` +
      'is reachable from this host (DNS, firewall, proxy, TLS trust) and that the "issuer" in it equals the configured URL.',
  )
}

/**
 * A one-line reason from fetch/openid-client errors: the socket code (ECONNREFUSED...), the
 * HTTP status, or the issuer the IdP actually declares, whichever the error carries.
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error.cause ?? {}) as { code?: unknown; message?: unknown; status?: unknown; body?: { issuer?: unknown } }
  const detail =
    typeof cause.body?.issuer === 'string'
      ? `it declares "${cause.body.issuer}"`
      : typeof cause.status === 'number'
        ? `HTTP ${cause.status}`
        : typeof cause.code === 'string'
          ? cause.code
          : typeof cause.message === 'string'
            ? cause.message
            : ''
  return detail ? `${error.message} (${detail})` : error.message
}
