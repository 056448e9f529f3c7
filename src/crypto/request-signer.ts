import { randomBytes } from 'node:crypto'
import type { GatewayKey } from './gateway-key.ts'
import { contentDigest, signRequest } from './http-signature.ts'

/** What every request the gateway sends is signed over (RFC 9421), and the tag that says it is the gateway's. */
export const GATEWAY_SIGNATURE_COMPONENTS = ['@method', '@target-uri', 'content-type', 'content-digest'] as const
export const GATEWAY_SIGNATURE_TAG = 'hotline-gateway'
const GATEWAY_SIGNATURE_LABEL = 'hotline-gateway'

/** How long a signed request stays acceptable (its `expires` - `created`): enough for clock skew, too little to store and replay. */
const DEFAULT_TTL_SECONDS = 300

interface OutboundRequest {
  method: string
  url: string
  contentType: string
  body: string | Buffer
}

export type RequestSigner = (request: OutboundRequest) => Promise<Record<string, string>>

/**
 * Signs outbound requests with the gateway's active published key (the JWKS `kid`): the header fields
 * to send, Content-Type, Content-Digest (sha-256) and the RFC 9421 Signature-Input and Signature.
 * Each call gets its own created/expires and a fresh nonce, so a retry is a new signature.
 */
export function createRequestSigner(activeKey: () => Promise<GatewayKey>, ttlSeconds = DEFAULT_TTL_SECONDS): RequestSigner {
  return async (request) => {
    const key = await activeKey()
    const created = Math.floor(Date.now() / 1000)
    const headers = { 'content-type': request.contentType, 'content-digest': contentDigest(request.body) }
    const signature = signRequest(
      // the URL as a receiver rebuilds it (WHATWG-normalized: a bare origin gets its "/")
      { method: request.method, url: new URL(request.url).href, headers },
      {
        key: key.privateKey,
        label: GATEWAY_SIGNATURE_LABEL,
        components: GATEWAY_SIGNATURE_COMPONENTS,
        params: {
          created,
          expires: created + ttlSeconds,
          nonce: randomBytes(16).toString('base64url'),
          alg: 'ed25519',
          keyid: key.kid,
          tag: GATEWAY_SIGNATURE_TAG,
        },
      },
    )
    return { ...headers, ...signature }
  }
}
