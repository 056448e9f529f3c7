import {
  checkContentDigest,
  fieldValue,
  HttpSignatureError,
  signaturesOf,
  verifyRequestSignature,
  type HttpRequestParts,
  type MessageSignature,
} from '../crypto/http-signature.ts'
import { GATEWAY_SIGNATURE_COMPONENTS, GATEWAY_SIGNATURE_TAG } from '../crypto/request-signer.ts'
import type { GatewayKeySource } from './gateway-jwks.ts'
import { memoryNonceStore, type NonceStore } from './nonce-store.ts'
import { ReceiverError } from './receiver-error.ts'
import { verifyHandoff, type VerifiedHandoff } from './verify-handoff.ts'
import { isRenoticeItem, verifyRenotice, type VerifiedRenotice } from './verify-renotice.ts'
import { isRetractionItem, verifyRetraction, type VerifiedRetraction } from './verify-retraction.ts'

/** What a verified push carries: a handoff, or the retraction of one. */
export type PushMessage =
  | { kind: 'handoff'; handoff: VerifiedHandoff }
  | { kind: 'retraction'; retraction: VerifiedRetraction }
  | { kind: 'renotice'; renotice: VerifiedRenotice }

export interface PushRequest extends HttpRequestParts {
  body: string | Buffer
}

export interface PushVerifierOptions {
  keys: GatewayKeySource
  /** Replay protection (default: in memory, for one process). */
  nonces?: NonceStore
  /** Oldest `created` accepted, in seconds (default 300). */
  maxAgeSeconds?: number
  /** Clock difference tolerated, in seconds (default 60). */
  skewSeconds?: number
  /** Your participant id: a handoff addressed to anyone else is refused. */
  participant?: string
  now?: () => number
}

/**
 * Verifies a push from the gateway before anything is done with it: the RFC 9421 signature tagged
 * hotline-gateway (covering method, target URI, content type and digest) under the gateway's JWKS key,
 * Content-Digest against the body, the freshness window, the nonce not seen before, then the handoff
 * itself (manifest JWS, payload digest). Throws ReceiverError with a code saying which check failed.
 */
export function createPushVerifier(options: PushVerifierOptions) {
  const verifyRequest = createSignedRequestVerifier(options)
  return async function verifyPush(request: PushRequest): Promise<PushMessage> {
    const body = await verifyRequest(request)
    if (isRetractionItem(body)) return { kind: 'retraction', retraction: await verifyRetraction(body, options.keys, options.participant) }
    if (isRenoticeItem(body)) return { kind: 'renotice', renotice: await verifyRenotice(body, options.keys, options.participant) }
    return { kind: 'handoff', handoff: await verifyHandoff(body, options.keys, options.participant) }
  }
}

/**
 * The checks every request from the gateway must pass (pushes, status notifications): its RFC 9421
 * signature, Content-Digest, freshness and nonce. Returns the body, parsed as JSON.
 */
export function createSignedRequestVerifier(options: Omit<PushVerifierOptions, 'participant'>) {
  const nonces = options.nonces ?? memoryNonceStore()
  const maxAge = options.maxAgeSeconds ?? 300
  const skew = options.skewSeconds ?? 60
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))

  return async function verifyRequest(request: PushRequest): Promise<unknown> {
    const signature = gatewaySignature(request)
    const digest = checkContentDigest(fieldValue(request.headers, 'content-digest'), request.body)
    if (digest === 'missing') throw new ReceiverError('DIGEST_MISSING', 'the request has no sha-256 Content-Digest')
    if (digest === 'mismatch') throw new ReceiverError('DIGEST_MISMATCH', 'the body is not what Content-Digest names')
    const { created, expires, nonce, keyid } = signature.params
    const at = now()
    if (created! > at + skew) throw new ReceiverError('SIGNATURE_NOT_YET_VALID', 'the signature was created in the future')
    if (expires! <= at - skew || created! < at - maxAge - skew) throw new ReceiverError('SIGNATURE_EXPIRED', 'the signature is too old')
    const key = await options.keys.key(keyid!)
    if (!key) throw new ReceiverError('SIGNATURE_UNKNOWN_KEY', `the gateway publishes no key ${JSON.stringify(keyid)}`)
    if (!verifies(request, signature, key.publicKey)) throw new ReceiverError('SIGNATURE_INVALID', 'the signature does not verify')
    if (!(await nonces.remember(`${keyid} ${nonce}`, expires! + skew)))
      throw new ReceiverError('SIGNATURE_REPLAYED', 'this signed request was received before')
    let body: unknown
    try {
      body = JSON.parse(request.body.toString())
    } catch {
      throw new ReceiverError('HANDOFF_MALFORMED', 'the body is not JSON')
    }
    return body
  }
}

/** The signature the gateway made (tag hotline-gateway), with everything the kit insists on. */
function gatewaySignature(request: PushRequest): MessageSignature {
  let signatures: MessageSignature[]
  try {
    signatures = signaturesOf(request)
  } catch (error) {
    if (error instanceof HttpSignatureError) throw new ReceiverError('SIGNATURE_MALFORMED', error.message)
    throw error
  }
  const signature = signatures.find((s) => s.params.tag === GATEWAY_SIGNATURE_TAG)
  if (!signature) throw new ReceiverError('SIGNATURE_MISSING', `the request carries no signature tagged ${GATEWAY_SIGNATURE_TAG}`)
  const uncovered = GATEWAY_SIGNATURE_COMPONENTS.filter((c) => !signature.components.includes(c))
  if (uncovered.length > 0) throw new ReceiverError('SIGNATURE_INCOMPLETE', `the signature does not cover ${uncovered.join(', ')}`)
  const { created, expires, nonce, keyid, alg } = signature.params
  if (created === undefined || expires === undefined || !nonce || !keyid)
    throw new ReceiverError('SIGNATURE_INCOMPLETE', 'the signature needs created, expires, nonce and keyid')
  if (alg !== undefined && alg !== 'ed25519') throw new ReceiverError('SIGNATURE_INVALID', `alg ${alg} is not accepted`)
  return signature
}

function verifies(request: PushRequest, signature: MessageSignature, key: Parameters<typeof verifyRequestSignature>[2]): boolean {
  try {
    return verifyRequestSignature(request, signature, key)
  } catch (error) {
    if (error instanceof HttpSignatureError) throw new ReceiverError('SIGNATURE_INCOMPLETE', error.message)
    throw error
  }
}
