import * as oidc from 'openid-client'
import { isLoopbackHttp } from '../auth/loopback.ts'

/** The scopes the console asks for: intake, reading its reports, the delivery desk, the audit view. */
const CONSOLE_SCOPES = ['reports:write', 'reports:read', 'deliveries:admin', 'audit:read']

export interface LoginStart {
  url: string
  /** Kept (sealed, in a short-lived cookie) until the callback: the PKCE verifier and the state. */
  pending: { verifier: string; state: string; redirectUri: string }
}

/**
 * Authorization code + PKCE with the configured OIDC issuer, through openid-client. The console is
 * a public client: PKCE binds the code to this browser's login, the state to this request.
 */
export function createConsoleLogin(options: { issuer: string; clientId: string; audience: string }) {
  let discovered: Promise<oidc.Configuration> | undefined
  const configuration = () => {
    discovered ??= oidc
      .discovery(new URL(options.issuer), options.clientId, undefined, oidc.None(), {
        ...(isLoopbackHttp(new URL(options.issuer)) ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((error: unknown) => {
        discovered = undefined // try again on the next login
        throw error
      })
    return discovered
  }

  return {
    async start(redirectUri: string): Promise<LoginStart> {
      const config = await configuration()
      const verifier = oidc.randomPKCECodeVerifier()
      const state = oidc.randomState()
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: CONSOLE_SCOPES.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        resource: options.audience,
      })
      return { url: url.href, pending: { verifier, state, redirectUri } }
    },
    /** Exchanges the code the issuer sent back for an access token. */
    async finish(callbackUrl: URL, pending: LoginStart['pending']): Promise<string> {
      const config = await configuration()
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: pending.verifier, expectedState: pending.state },
        { resource: options.audience, redirect_uri: pending.redirectUri },
      )
      return tokens.access_token
    },
  }
}

export type ConsoleLogin = ReturnType<typeof createConsoleLogin>
