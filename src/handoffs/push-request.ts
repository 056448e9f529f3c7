import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestSigner } from '../crypto/request-signer.ts'
import type { DeliveryContext, Delivered, Leased } from './delivery-mode.ts'
import { httpsPost } from './https-post.ts'

interface PushRequestOptions {
  /** Signs the request (RFC 9421, with the gateway's published key): its header fields. */
  signRequest: RequestSigner
  /** Extra trusted CA certificates (PEM); NODE_EXTRA_CA_CERTS works too. */
  ca?: string | Buffer
  /** How long to wait for the answer (default 10 s). */
  timeoutMs?: number
  /** Cuts the request short (the process is stopping). */
  signal?: AbortSignal
}

interface PushAnswer {
  status: number
  body: string
}

/** The endpoint could not be reached or did not answer: the network's fault or the endpoint's, never ours. */
class PushFailed extends GatewayError<'PUSH_FAILED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSH_FAILED', message, options)
  }
}

/**
 * Pushes `body` (JSON, already made: the same bytes on every attempt) to `endpoint` over HTTPS, signed
 * afresh for this attempt (created, expires, nonce) with RFC 9421. Any answer resolves, whatever its
 * status; a network failure, a timeout or an untrusted certificate rejects with PushFailed (anything
 * else that rejects, such as a signing failure, happened before a byte was sent).
 */
async function pushSigned(endpoint: string, body: string, options: PushRequestOptions): Promise<PushAnswer> {
  // a signing failure is ours, not the endpoint's: it rejects before anything is sent
  const headers = await options.signRequest({ method: 'POST', url: endpoint, contentType: 'application/json', body })
  const post = { timeoutMs: options.timeoutMs ?? 10_000, signal: options.signal, ca: options.ca }
  return httpsPost(endpoint, body, headers, post).catch((error: Error) => {
    throw new PushFailed(error.message, { cause: error })
  })
}

/** The `receipt` JWS in a push answer's JSON body, if there is one. */
function receiptIn(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { receipt?: unknown }
    return typeof parsed?.receipt === 'string' ? parsed.receipt : undefined
  } catch {
    return undefined
  }
}

/** A delivery mode's deliver over HTTPS: the message's item as the body; a 2xx takes it, with the receipt in the answer if any. */
export async function pushMessage(message: Leased, target: string, context: DeliveryContext): Promise<Delivered> {
  let answer: PushAnswer
  try {
    answer = await pushSigned(target, JSON.stringify(message.item), context)
  } catch (error) {
    if (!(error instanceof PushFailed)) throw error
    return { ok: false, error: error.message }
  }
  if (answer.status < 200 || answer.status > 299) return { ok: false, error: `HTTP ${answer.status}` }
  const receipt = receiptIn(answer.body)
  return receipt ? { ok: true, receipt } : { ok: true }
}
