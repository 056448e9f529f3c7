import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ReceiverError } from './receiver-error.ts'

/**
 * What a gateway in development mode leaves under its DATA_DIR so that `hotline-gateway partner ...`
 * on the same machine needs no options but --participant: where the gateway listens, how to get a
 * token from its embedded issuer, and (in partner-keys/) each example participant's signing key.
 * Written afresh at every start (the issuer's port and secrets change), mode 0600.
 */
export interface DevSession {
  gateway: string
  token_endpoint: string
  audience: string
  /** client_id -> client_secret of every dev client */
  clients: Record<string, string>
  /** participant id -> its first client id */
  participants: Record<string, string>
  /** The client that administers the directory (`partner keygen --register` uses it). */
  admin?: string
}

export const DEV_SESSION_FILE = 'dev-session.json'

export function devPartnerKeyFile(dataDir: string, participant: string): string {
  return join(dataDir, 'partner-keys', `${participant}.json`)
}

export async function writeDevSession(dataDir: string, session: DevSession): Promise<string> {
  const file = join(dataDir, DEV_SESSION_FILE)
  await mkdir(dataDir, { recursive: true })
  await rm(file, { force: true }) // a new file: an existing one could have looser permissions
  await writeFile(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  return file
}

/** The session of a development gateway using `dataDir`, or undefined when there is none. */
export async function readDevSession(dataDir: string): Promise<DevSession | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, DEV_SESSION_FILE), 'utf8')) as DevSession
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

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
