import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

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
  /** The client that administers the directory (`partner keygen --register` and `partner serve` use it). */
  admin?: string
  /** The certificate (PEM files) `partner serve` listens with, which the development gateway trusts for its pushes. */
  tls?: { cert: string; key: string }
}

const DEV_SESSION_FILE = 'dev-session.json'

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
