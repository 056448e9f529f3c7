// oidc-provider ships no types. This declares only the surface src/auth/dev-issuer*.ts uses;
// widen it here when you need more rather than casting at call sites.
declare module 'oidc-provider' {
  import type { EventEmitter } from 'node:events'
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export type AdapterPayload = Record<string, unknown>

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>
    find(id: string): Promise<AdapterPayload | undefined>
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
    findByUid(uid: string): Promise<AdapterPayload | undefined>
    consume(id: string): Promise<void>
    destroy(id: string): Promise<void>
    revokeByGrantId(grantId: string): Promise<void>
  }

  export type AdapterConstructor = new (modelName: string) => Adapter

  export interface ClientMetadata {
    client_id: string
    client_secret?: string
    grant_types?: string[]
    response_types?: string[]
    redirect_uris?: string[]
    token_endpoint_auth_method?: string
    jwks?: { keys: object[] }
    scope?: string
  }

  /** The registered client as oidc-provider hands it to configuration hooks. */
  export interface Client {
    readonly clientId: string
    readonly scope?: string
  }

  export interface KoaContextWithOIDC {
    oidc: { params?: Record<string, unknown> }
  }

  export interface ResourceServerInfo {
    scope: string
    audience?: string
    accessTokenTTL?: number
    accessTokenFormat?: 'opaque' | 'jwt'
    jwt?: { sign?: { alg?: string; kid?: string } }
  }

  export interface Configuration {
    adapter?: AdapterConstructor
    jwks?: { keys: object[] }
    clients?: ClientMetadata[]
    scopes?: string[]
    claims?: Record<string, string[] | null>
    clientAuthMethods?: string[]
    clientDefaults?: Record<string, unknown>
    routes?: Record<string, string>
    ttl?: Record<string, number | ((...args: unknown[]) => number)>
    clientBasedCORS?: (ctx: KoaContextWithOIDC, origin: string, client: Client) => boolean
    responseTypes?: string[]
    features?: {
      devInteractions?: { enabled: boolean }
      pushedAuthorizationRequests?: { enabled: boolean }
      rpInitiatedLogout?: { enabled: boolean }
      dPoP?: { enabled: boolean }
      clientCredentials?: { enabled: boolean }
      introspection?: { enabled: boolean }
      revocation?: { enabled: boolean }
      userinfo?: { enabled: boolean }
      resourceIndicators?: {
        enabled: boolean
        defaultResource?: (
          ctx: KoaContextWithOIDC,
          client: Client,
          oneOf?: string[],
        ) => string | string[] | undefined | Promise<string | string[] | undefined>
        useGrantedResource?: () => boolean | Promise<boolean>
        getResourceServerInfo?: (
          ctx: KoaContextWithOIDC,
          resourceIndicator: string,
          client: Client,
        ) => ResourceServerInfo | Promise<ResourceServerInfo>
      }
    }
  }

  /** A Koa application under the hood, hence `silent`, `proxy` and `callback()`. */
  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    silent: boolean
    proxy: boolean
    callback(): (req: IncomingMessage, res: ServerResponse) => void
  }

  export namespace errors {
    class OIDCProviderError extends Error {
      error: string
      error_description?: string
      status: number
    }
    class InvalidScope extends OIDCProviderError {
      constructor(description?: string, scope?: string)
    }
    class InvalidTarget extends OIDCProviderError {
      constructor(description?: string, detail?: string)
    }
  }

  export default Provider
}
