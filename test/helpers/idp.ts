import type { KeyObject } from 'node:crypto'

import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose'
import * as oidcClient from 'openid-client'

import { startDevIssuer } from '../../src/auth/dev-issuer.ts'
import { generateSigningKey } from '../../src/auth/signing-key.ts'

export interface TestIdpClient {
  clientId: string
  scopes: string[]
  /** A browser client (authorization code + PKCE, people log in) instead of a partner's machine client. */
  redirectUris?: string[]
}

export interface TestIdp {
  issuer: string
  audience: string
  /** A real access token, obtained exactly as a partner would (client_credentials + private_key_jwt). */
  tokenFor(clientId: string, scopes?: string[]): Promise<string>
  /**
   * Signs arbitrary claims with the issuer's own key (header defaults: its alg and kid,
   * typ at+jwt). Only for tokens a well-behaved IdP never issues: expired, wrong aud/iss/typ.
   */
  signAsIssuer(payload: JWTPayload, header?: Partial<JWTHeaderParameters>): Promise<string>
  /** The issuer's public signing key (as any verifier could fetch it), for confusion attacks. */
  issuerPublicKey: KeyObject
  issuerKid: string
  close(): Promise<void>
}

export interface ClientKeys {
  privateKey: CryptoKey
  publicJwk: JWK
}

/** Starts the dev issuer with one fresh ES256 keypair per client (private_key_jwt). */
export async function startTestIdp(opts: { audience: string; clients: TestIdpClient[] }): Promise<TestIdp> {
  const clientKeys = new Map<string, ClientKeys>()
  for (const { clientId } of opts.clients) clientKeys.set(clientId, await partnerKeyPair())
  const signing = await generateSigningKey()
  const dev = await startDevIssuer({
    audience: opts.audience,
    signingKey: signing.privateJwk,
    clients: opts.clients.map(({ clientId, scopes, redirectUris }) =>
      redirectUris ? { clientId, scopes, redirectUris } : { clientId, scopes, jwks: { keys: [clientKeys.get(clientId)!.publicJwk] } },
    ),
  })
  const configs = new Map<string, Promise<oidcClient.Configuration>>()
  const configFor = (clientId: string): Promise<oidcClient.Configuration> => {
    const keys = clientKeys.get(clientId)
    if (!keys) throw new Error(`test IdP has no client "${clientId}"`)
    if (!configs.has(clientId)) configs.set(clientId, partnerDiscovery(dev.issuer, clientId, keys.privateKey))
    return configs.get(clientId)!
  }
  return {
    issuer: dev.issuer,
    audience: opts.audience,
    async tokenFor(clientId, scopes) {
      const parameters: Record<string, string> = { resource: opts.audience }
      if (scopes) parameters.scope = scopes.join(' ')
      const response = await oidcClient.clientCredentialsGrant(await configFor(clientId), parameters)
      return response.access_token
    },
    signAsIssuer: (payload, header) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: signing.kid, typ: 'at+jwt', ...header }).sign(signing.privateKey),
    issuerPublicKey: signing.publicKey,
    issuerKid: signing.kid,
    close: dev.close,
  }
}

/** What a partner's code does: discover the issuer, authenticate with its private key. */
function partnerDiscovery(issuer: string, clientId: string, privateKey: CryptoKey): Promise<oidcClient.Configuration> {
  return oidcClient.discovery(new URL(issuer), clientId, undefined, oidcClient.PrivateKeyJwt(privateKey), {
    // Loopback http only: the test IdP has no TLS.
    execute: [oidcClient.allowInsecureRequests],
  })
}

/** A partner's private_key_jwt keypair: the private key stays with them, the JWK goes to the IdP. */
export async function partnerKeyPair(): Promise<ClientKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const publicJwk = await exportJWK(publicKey)
  return { privateKey, publicJwk: { ...publicJwk, alg: 'ES256', use: 'sig', kid: await calculateJwkThumbprint(publicJwk) } }
}

/** What a promise rejected with, or undefined when it resolved: lets a test assert on the error. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
}
