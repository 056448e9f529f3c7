import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { EXAMPLE_DIRECTORY } from '../dev/dev-mode.ts'
import { readDirectoryFile } from '../directory/directory-file.ts'
import type { DirectoryDocument } from '../directory/participant.ts'
import { generatePartnerKey, writePartnerKey } from '../receiver/partner-key.ts'
import { CAST } from './demo-case.ts'

/** A port free right now on the loopback interface (the directory must name the push endpoint before it listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Each partner's signing key (partner keygen), written where its receiver reads it. */
export async function partnerKeys(dir: string): Promise<Record<string, { file: string; publicJwk: Record<string, string> }>> {
  const keys: Record<string, { file: string; publicJwk: Record<string, string> }> = {}
  for (const id of [CAST.homeHotline, CAST.foreignHotline, CAST.police]) {
    const { privateJwk, publicJwk } = await generatePartnerKey(id)
    const file = join(dir, `${id}-key.json`)
    await writePartnerKey(file, privateJwk)
    keys[id] = { file, publicJwk: publicJwk as Record<string, string> }
  }
  return keys
}

/**
 * The example directory with the partners' public keys and delivery modes: the home hotline takes
 * pushes at `pushEndpoint` (or pulls without one), the others pull; nobody else is pushed to, so the
 * demo never reaches out to the example endpoints.
 */
export async function demoDirectory(
  file: string,
  keys: Record<string, { publicJwk: Record<string, string> }>,
  pushEndpoint: string | undefined,
): Promise<DirectoryDocument> {
  const directory = await readDirectoryFile(EXAMPLE_DIRECTORY)
  for (const participant of directory.participants) {
    participant.delivery = { mode: 'pull' }
    const key = keys[participant.id]
    if (key) participant.keys = { jwks: { keys: [key.publicJwk] } }
  }
  const home = directory.participants.find((p) => p.id === CAST.homeHotline)!
  if (pushEndpoint) home.delivery = { mode: 'push', endpoint: pushEndpoint }
  await writeFile(file, `${JSON.stringify(directory, null, 2)}\n`)
  return directory
}

/** Client secrets from the dev issuer's credentials file (DATA_DIR/dev-credentials.txt) and its token URL. */
export async function devCredentials(dataDir: string): Promise<{ tokenUrl: string; secrets: Map<string, string> }> {
  const text = await readFile(join(dataDir, 'dev-credentials.txt'), 'utf8')
  const tokenUrl = /'(https?:\/\/[^']+)'\s*$/m.exec(text)?.[1]
  const clients = /Other dev clients: (.*)$/m.exec(text)?.[1]
  if (!tokenUrl || !clients) throw new Error('the development credentials file does not have the expected shape')
  const secrets = new Map(clients.split(/\s+/).map((pair) => pair.split(':') as [string, string]))
  return { tokenUrl, secrets }
}

/** An access token for a dev client (client_credentials, client_secret_basic). */
export async function fetchToken(tokenUrl: string, clientId: string, secret: string, audience: string): Promise<string> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }),
  })
  if (!res.ok) throw new Error(`no token for ${clientId}: HTTP ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}
