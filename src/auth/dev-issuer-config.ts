import type { JWK } from 'jose'
import type {
  AsymmetricSigningAlgorithm,
  Client,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  ResourceServer,
  errors as OidcErrors,
} from 'oidc-provider'

import { AuthError } from './auth-error.ts'
import { createDevStore } from './dev-issuer-store.ts'
import { SCOPES } from './scopes.ts'

export interface DevClient {
  clientId: string
  /** The only scopes this client may request; omitting `scope` grants all of them. */
  scopes: string[]
  /** Public keys for private_key_jwt client authentication (what partners use). */
  jwks?: { keys: JWK[] }
  /** client_secret_basic, for curl in dev only. */
  secret?: string
  /**
   * A browser client instead (the operator console): authorization code + PKCE, no client secret,
   * redirected back to these loopback URLs (any port, RFC 8252 §7.3). Users log in on the issuer's
   * development login page under any name: there are no real accounts in development.
   */
  redirectUris?: string[]
}

export interface DevIssuerSettings {
  audience: string
  clients: DevClient[]
  accessTokenTtlSeconds: number
  /** Private JWK with `kid` and `alg` (EdDSA or ES256). */
  signingKey: JWK
}

export const TOKEN_PATH = '/token'
const JWKS_PATH = '/jwks'
const SIGNING_ALGS: ReadonlySet<string> = new Set<AsymmetricSigningAlgorithm>(['EdDSA', 'ES256'])

/** oidc-provider configuration for a client_credentials-only issuer of RFC 9068 JWTs. */
export function providerConfiguration(settings: DevIssuerSettings, errors: typeof OidcErrors): Configuration {
  const alg = signingAlg(settings.signingKey)
  const browser = settings.clients.some((client) => client.redirectUris)
  return {
    adapter: createDevStore(),
    jwks: { keys: [settings.signingKey] },
    clients: settings.clients.map(clientMetadata),
    // Every scope a client may hold must be known to the provider, or it rejects the client.
    scopes: [...new Set(['openid', ...SCOPES, ...settings.clients.flatMap((client) => client.scopes)])],
    // "none": the browser client is public, its code bound to the login by PKCE
    clientAuthMethods: browser ? ['private_key_jwt', 'client_secret_basic', 'none'] : ['private_key_jwt', 'client_secret_basic'],
    clientDefaults: { id_token_signed_response_alg: alg },
    routes: { token: TOKEN_PATH, jwks: JWKS_PATH },
    ttl: { ClientCredentials: settings.accessTokenTtlSeconds },
    clientBasedCORS: () => false,
    // The code flow only for browser clients (with PKCE); without any, "none" advertises no browser grant.
    // Refresh tokens need the offline_access scope, which this issuer does not know.
    responseTypes: browser ? ['code', 'none'] : ['none'],
    features: {
      // its login page takes any name: development only, like this whole issuer
      devInteractions: { enabled: browser },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      // The gateway verifies bearer tokens only; sender-constrained ones would be refused.
      dPoP: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Without a resource the token would be opaque and useless to the gateway.
        defaultResource: () => settings.audience,
        useGrantedResource: () => false,
        getResourceServerInfo: gatewayResourceServer(settings, alg, errors),
      },
    },
  }
}

function signingAlg(key: JWK): AsymmetricSigningAlgorithm {
  if (!key.alg || !SIGNING_ALGS.has(key.alg) || !key.kid) {
    throw new AuthError('AUTH_CONFIG', 'dev issuer signing key must be a private JWK with a kid and alg EdDSA or ES256')
  }
  return key.alg as AsymmetricSigningAlgorithm
}

function clientMetadata(client: DevClient): ClientMetadata {
  if (client.redirectUris) return browserClientMetadata(client, client.redirectUris)
  if (Boolean(client.jwks) === Boolean(client.secret)) {
    throw new AuthError('AUTH_CONFIG', `dev client "${client.clientId}" needs exactly one of jwks (private_key_jwt) or secret`)
  }
  const base = {
    client_id: client.clientId,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    // oidc-provider reads a missing scope as "no restriction"; limitRequestedScopes does not.
    ...(client.scopes.length > 0 ? { scope: client.scopes.join(' ') } : {}),
  }
  return client.jwks
    ? { ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: client.jwks }
    : { ...base, token_endpoint_auth_method: 'client_secret_basic', client_secret: client.secret! }
}

/** A public client (PKCE, which oidc-provider requires of it) that logs people in. */
function browserClientMetadata(client: DevClient, redirectUris: string[]): ClientMetadata {
  // native: loopback redirect URIs match on any port (RFC 8252 §7.3)
  return {
    client_id: client.clientId,
    application_type: 'native',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: redirectUris,
    token_endpoint_auth_method: 'none',
    scope: ['openid', ...client.scopes].join(' '),
  }
}

type ResourceServerLookup = (ctx: KoaContextWithOIDC, resource: string, client: Client) => ResourceServer

/** The gateway is the only resource server; its tokens are JWTs limited to the client's scopes. */
function gatewayResourceServer(settings: DevIssuerSettings, alg: AsymmetricSigningAlgorithm, errors: typeof OidcErrors): ResourceServerLookup {
  return (ctx, resource, client) => {
    if (resource !== settings.audience) throw new errors.InvalidTarget()
    limitRequestedScopes(ctx, client, errors)
    return {
      scope: (client.scope ?? '')
        .split(' ')
        .filter((scope) => scope !== 'openid')
        .join(' '),
      audience: settings.audience,
      accessTokenFormat: 'jwt',
      accessTokenTTL: settings.accessTokenTtlSeconds,
      jwt: { sign: { alg } },
    }
  }
}

/**
 * oidc-provider silently drops scopes it does not know; a partner asking for a scope they were
 * not given deserves invalid_scope instead. With no `scope` at all, RFC 6749 §3.3 lets us apply
 * a default: everything the client is registered for, so a bare curl yields a useful token.
 */
function limitRequestedScopes(ctx: KoaContextWithOIDC, client: Client, errors: typeof OidcErrors): void {
  const params = ctx.oidc.params
  if (!params) return
  if (typeof params.scope !== 'string') {
    params.scope = client.scope
    return
  }
  const allowed = new Set(client.scope?.split(' '))
  const refused = params.scope.split(' ').find((scope) => scope && !allowed.has(scope))
  if (refused) throw new errors.InvalidScope('requested scope is not allowed', refused)
}
