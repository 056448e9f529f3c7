import { ReceiverError } from './receiver-error.ts'
import type { DevSession } from './dev-session.ts'

/** Current access tokens for `clientId` from the dev issuer (client credentials), fetched again shortly before they expire. */
export function devTokenSource(session: DevSession, clientId: string): () => Promise<string> {
  const secret = session.clients[clientId]
  if (secret === undefined) throw new ReceiverError('GATEWAY_REFUSED', `the development gateway has no client "${clientId}"`)
  let cached: { token: string; until: number } | undefined
  return async () => {
    if (cached && Date.now() < cached.until) return cached.token
    const res = await fetch(session.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: session.audience }),
    })
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string }
    if (!res.ok || !body.access_token) {
      throw new ReceiverError(
        'GATEWAY_REFUSED',
        `the development issuer refused a token for ${clientId}: ${res.status} ${body.error ?? ''}`,
        res.status,
      )
    }
    cached = { token: body.access_token, until: Date.now() + Math.max(0, (body.expires_in ?? 60) - 30) * 1000 }
    return cached.token
  }
}
