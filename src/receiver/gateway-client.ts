import type { HandoffItem } from './verify-handoff.ts'
import type { RenoticeItem } from './verify-renotice.ts'
import type { RetractionItem } from './verify-retraction.ts'
import { ReceiverError } from './receiver-error.ts'

/** What the gateway answered for one receipt of a batch (schemas/receipt-batch-result.json). */
export interface ReceiptOutcome {
  index: number
  handoff_id: string
  status: 'received' | 'refused'
  state?: string
  problem?: { status: number; code?: string; detail?: string }
}

/** A participant as the directory lists it (schemas/participant.v1.json); the kit reads only its keys. */
export interface DirectoryEntry {
  id: string
  keys?: { jwks: { keys: object[] } } | { jwks_uri: string }
  [field: string]: unknown
}

export interface GatewayClientOptions {
  gateway: string | URL
  /** The partner's access token (client credentials from the gateway's OIDC issuer), or how to get a current one. */
  token: string | (() => string | Promise<string>)
}

/** The gateway's API as a partner uses it: its inbox, the handoffs, and posting receipts and status messages. */
export function gatewayClient(options: GatewayClientOptions) {
  async function call<T>(method: string, path: string, body?: object): Promise<T> {
    const token = typeof options.token === 'function' ? await options.token() : options.token
    const res = await fetch(new URL(path, options.gateway), {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    if (!res.ok) {
      let detail = text.slice(0, 500)
      try {
        const problem = JSON.parse(text) as { code?: string; detail?: string; title?: string }
        detail = [problem.code, problem.detail ?? problem.title].filter(Boolean).join(': ')
      } catch {
        // not a problem document: the text itself says it
      }
      throw new ReceiverError('GATEWAY_REFUSED', `${method} ${path}: ${res.status} ${detail}`, res.status)
    }
    return JSON.parse(text) as T
  }
  return {
    inbox: async (limit = 100) => (await call<{ handoffs: HandoffItem[] }>('GET', `/v1/inbox?limit=${limit}`)).handoffs,
    /** One inbox page: handoffs, retractions and the cursor for the next (`wait`: seconds to long-poll for something new). */
    inboxPage: (query: { limit?: number; cursor?: string; wait?: number } = {}) => {
      const params = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])))
      return call<{ handoffs: HandoffItem[]; retractions: RetractionItem[]; renotices?: RenoticeItem[]; next_cursor: string }>(
        'GET',
        `/v1/inbox?${params}`,
      )
    },
    handoff: (id: string) => call<{ id: string; manifest_sha256: string; state: string }>('GET', `/v1/handoffs/${encodeURIComponent(id)}`),
    postReceipt: (id: string, receipt: string) => call<{ state: string }>('POST', `/v1/handoffs/${encodeURIComponent(id)}/receipt`, { receipt }),
    /** Receipts for up to 100 handoffs in one request: each one's outcome, in order (a refusal carries the gateway's problem). */
    postReceipts: async (receipts: Array<{ handoff_id: string; receipt: string }>) =>
      (await call<{ results: ReceiptOutcome[] }>('POST', '/v1/inbox/receipts', { receipts })).results,
    postRetractionReceipt: (id: string, receipt: string) =>
      call<{ state: string }>('POST', `/v1/handoffs/${encodeURIComponent(id)}/retraction-receipt`, { receipt }),
    postStatus: (id: string, status: string) => call<{ state: string }>('POST', `/v1/handoffs/${encodeURIComponent(id)}/status`, { status }),
    /** The directory entry of `id` in the version in force (any participant may read the directory). */
    participant: async (id: string) =>
      (await call<{ directory: { participants: DirectoryEntry[] } }>('GET', '/v1/directory')).directory.participants.find((p) => p.id === id),
    /** Replaces one directory entry: a new directory version (needs directory:admin). */
    putParticipant: (entry: DirectoryEntry) => call<{ version: number }>('PUT', `/v1/directory/participants/${encodeURIComponent(entry.id)}`, entry),
  }
}

export type GatewayClient = ReturnType<typeof gatewayClient>
