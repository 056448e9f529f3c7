import type { HandoffItem } from './verify-handoff.ts'
import type { RenoticeItem } from './verify-renotice.ts'
import type { RetractionItem } from './verify-retraction.ts'
import { ReceiverError } from './receiver-error.ts'

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
    postRetractionReceipt: (id: string, receipt: string) =>
      call<{ state: string }>('POST', `/v1/handoffs/${encodeURIComponent(id)}/retraction-receipt`, { receipt }),
    postStatus: (id: string, status: string) => call<{ state: string }>('POST', `/v1/handoffs/${encodeURIComponent(id)}/status`, { status }),
  }
}

export type GatewayClient = ReturnType<typeof gatewayClient>
