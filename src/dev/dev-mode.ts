import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import { ConfigError } from '../config/config.ts'
import type { Database } from '../db/database.ts'
import { readDirectoryFile } from '../directory/directory-file.ts'
import { createDirectoryService } from '../directory/directory-service.ts'
import { devPartnerKeyFile, writeDevSession } from '../receiver/dev-session.ts'
import { KIND_CEILING } from '../auth/access.ts'
import { TOKEN_PATH } from '../auth/dev-issuer-config.ts'
import { devTokenHowTo, startDevIssuer } from '../auth/dev-issuer.ts'
import { devPartnerKeys, withKeys } from './dev-partners.ts'
import { devPartnerTls, devTrust } from './dev-tls.ts'

export const EXAMPLE_DIRECTORY = fileURLToPath(new URL('../../examples/directory.yaml', import.meta.url))

export interface DevAuth {
  issuer: string
  close(): Promise<void>
  /** Once the gateway listens at `gateway`: leaves DATA_DIR/dev-session.json for the partner CLI and says how to use it. */
  announce(gateway: string): Promise<void>
  /** The CAs the gateway's pushes trust: the usual ones and the development partners' certificate (none without openssl). */
  ca?: string
}

/**
 * Development without an identity provider: an embedded issuer for the directory's clients, with
 * fresh secrets shown once on the terminal (never in the log). An empty database gets the example
 * directory. Refused in production, where OIDC_ISSUER is required.
 */
export async function startDevAuth(config: Config, database: Database, logger: Logger): Promise<DevAuth> {
  if (config.nodeEnv === 'production') {
    throw new ConfigError(['OIDC_ISSUER must be set when NODE_ENV=production (the embedded development issuer is for development only)'])
  }
  const current = await devDirectory(database, config.dataDir, logger)
  const clients = (current?.document.participants ?? []).flatMap((participant) =>
    participant.clients
      .filter((clientId) => clientId !== config.consoleClientId)
      .map((clientId) => ({ clientId, scopes: [...KIND_CEILING[participant.kind]], secret: randomBytes(18).toString('base64url') })),
  )
  // the operator console logs people in (code + PKCE) on the issuer's development login page, any name
  const operators = (current?.document.participants ?? []).find((participant) => participant.clients.includes(config.consoleClientId))
  const browserClients = operators
    ? [{ clientId: config.consoleClientId, scopes: [...KIND_CEILING[operators.kind]], redirectUris: ['http://127.0.0.1/console/callback'] }]
    : []
  const issuer = await startDevIssuer({ audience: config.oidcAudience, clients: [...clients, ...browserClients] })
  logger.warn({ issuer: issuer.issuer }, 'development mode: embedded OIDC issuer; set OIDC_ISSUER to use a real one')
  const admin = clients.find((c) => c.clientId === 'gateway-admin') ?? clients[0]
  if (admin) {
    const howTo = `${devTokenHowTo(issuer.issuer, config.oidcAudience, admin.clientId, admin.secret)}\n`
    await showSecrets(`${howTo}Other dev clients: ${clients.map((c) => `${c.clientId}:${c.secret}`).join('  ')}\n`, config.dataDir)
  }
  const participants = (current?.document.participants ?? []).filter((p) => p.clients.length > 0)
  // `partner serve --participant` listens with this certificate and the gateway trusts it: pushes reach it with nothing set up
  const tls = await devPartnerTls(config.dataDir)
  async function announce(gateway: string): Promise<void> {
    const file = await writeDevSession(config.dataDir, {
      gateway,
      token_endpoint: `${issuer.issuer}${TOKEN_PATH}`,
      audience: config.oidcAudience,
      clients: Object.fromEntries(clients.map((c) => [c.clientId, c.secret])),
      participants: Object.fromEntries(participants.map((p) => [p.id, p.clients[0]!])),
      ...(admin ? { admin: admin.clientId } : {}),
      ...(tls ? { tls } : {}),
    })
    const example = participants.find((p) => p.id === 'nl-hotline') ?? participants[0]
    if (!example) return
    process.stderr.write(
      `\nPartners in development: keys are in ${devPartnerKeyFile(config.dataDir, '<participant>')} (registered in the directory);\n` +
        `${file} tells the partner CLI where the gateway is and how to get a token, so this is enough:\n` +
        `  npx hotline-gateway partner pull --participant ${example.id} --out ./inbox-${example.id}\n` +
        (tls
          ? `or, to take pushes (it registers its address as the participant's push endpoint):\n  npx hotline-gateway partner serve --participant ${example.id} --out ./inbox-${example.id}\n`
          : '') +
        '\n',
    )
  }
  return { ...issuer, announce, ...(tls ? { ca: await devTrust(tls) } : {}) }
}

/**
 * Secrets go to a person, never to a log: on a terminal they are printed; when stderr is a pipe or a
 * file (a service manager, a container, CI) it is a log stream, so they go to a file only the
 * process's user can read, and stderr gets its path.
 */
async function showSecrets(text: string, dataDir: string): Promise<void> {
  if (process.stderr.isTTY) {
    process.stderr.write(`\n${text}\n`)
    return
  }
  const file = join(dataDir, 'dev-credentials.txt')
  await mkdir(dataDir, { recursive: true })
  await rm(file, { force: true }) // a new file: an existing one could have looser permissions
  await writeFile(file, text, { mode: 0o600, flag: 'wx' })
  process.stderr.write(`\nDevelopment credentials (and a curl that gets a token) are in ${file}\n\n`)
}

async function devDirectory(database: Database, dataDir: string, logger: Logger) {
  const directory = createDirectoryService({ pool: database.pool, cacheMs: 0 })
  try {
    const current = await directory.current()
    const base = current?.document ?? (await readDirectoryFile(EXAMPLE_DIRECTORY))
    const keys = await devPartnerKeys(dataDir, base)
    if (!current) {
      await directory.publish(withKeys(base, keys), { actor: 'dev-bootstrap' })
      logger.info('empty database: published the example directory (examples/directory.yaml)')
    } else if (keys.size > 0) await directory.update((latest) => withKeys(latest, keys), { actor: 'dev-bootstrap' })
    if (keys.size > 0)
      logger.info({ participants: [...keys.keys()] }, 'development mode: partner keys (DATA_DIR/partner-keys) registered in the directory')
    return await directory.current()
  } catch (error) {
    // e.g. --no-migrate on an empty database: serve anyway (not ready), with no dev clients
    logger.warn({ err: error }, 'development mode: no directory to issue tokens for')
    return undefined
  }
}
