import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { JWK } from 'jose'

import { AuthError } from './auth-error.ts'
import { providerConfiguration, TOKEN_PATH, type DevClient } from './dev-issuer-config.ts'
import { isLoopbackHost } from './loopback.ts'
import { generateSigningKey } from './signing-key.ts'

export interface DevIssuerOptions {
  /** Must be a loopback address: this issuer speaks plain http. Default 127.0.0.1. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  audience: string
  clients: DevClient[]
  accessTokenTtlSeconds?: number
  /** Private JWK (EdDSA or ES256, with kid); default a fresh Ed25519 key per start. */
  signingKey?: JWK
  /** Let oidc-provider's notices and internal errors reach the console. */
  verbose?: boolean
}

export interface DevIssuer {
  issuer: string
  close(): Promise<void>
}

const DEFAULT_TTL_SECONDS = 600

/** An in-process OAuth 2.0 issuer of RFC 9068 access tokens for dev and tests; never production. */
export async function startDevIssuer(opts: DevIssuerOptions): Promise<DevIssuer> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) {
    throw new AuthError('AUTH_CONFIG', `dev issuer host "${host}" must be a loopback address: it serves plain http`)
  }
  const oidc = await loadOidcProvider(opts.verbose ?? false)
  const settings = {
    audience: opts.audience,
    clients: opts.clients,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? DEFAULT_TTL_SECONDS,
    signingKey: opts.signingKey ?? (await generateSigningKey()).privateJwk,
  }
  const configuration = providerConfiguration(settings, oidc.errors)
  // The issuer URL contains the port, which port 0 only reveals once we listen.
  let handle: RequestListener = (_req, res) => res.writeHead(503).end()
  const server = createServer((req, res) => handle(req, res))
  await listen(server, host, opts.port ?? 0)
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`
  try {
    const provider = new oidc.Provider(issuer, configuration)
    quietUnlessVerbose(provider, opts.verbose ?? false)
    handle = provider.callback()
  } catch (error) {
    await closeServer(server)
    throw error
  }
  return { issuer, close: () => closeServer(server) }
}

type OidcProviderModule = typeof import('oidc-provider')
let loading: Promise<OidcProviderModule> | undefined

/**
 * Imported lazily so production code paths never load oidc-provider, and quietly because it
 * warns at import time on Node 20 (it targets 22+; we only use it for dev and tests).
 */
function loadOidcProvider(verbose: boolean): Promise<OidcProviderModule> {
  if (loading) return loading
  const { warn } = console
  if (!verbose) {
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] !== 'string' || !args[0].startsWith('oidc-provider ')) warn(...args)
    }
  }
  loading = import('oidc-provider').finally(() => {
    console.warn = warn
  })
  return loading
}

function quietUnlessVerbose(provider: InstanceType<OidcProviderModule['Provider']>, verbose: boolean): void {
  provider.silent = !verbose
  if (verbose) {
    provider.on('server_error', (_ctx: unknown, error: Error) => console.error(`dev issuer server_error: ${error.message}`))
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    // Keep-alive sockets from fetch would otherwise hold close() open.
    server.closeAllConnections()
  })
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

/** The curl a developer can paste to get a token from the dev issuer (printed at start in dev mode). */
export function devTokenHowTo(issuer: string, audience: string, clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
  const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`
  const tokenUrl = `${issuer.replace(/\/+$/, '')}${TOKEN_PATH}`
  return [
    `Dev access token for client "${clientId}" (client_credentials, all of its scopes):`,
    `  curl -s -u ${shellQuote(credentials)} \\`,
    '    -d grant_type=client_credentials \\',
    `    --data-urlencode ${shellQuote(`resource=${audience}`)} \\`,
    `    ${shellQuote(tokenUrl)}`,
    `Add --data-urlencode 'scope=reports:read' to ask for fewer scopes; send the access_token as "Authorization: Bearer <token>".`,
  ].join('\n')
}
