import { access } from 'node:fs/promises'
import { dirname } from 'node:path'
import { mkdir } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { DirectoryService } from '../directory/directory-service.ts'
import type { Participant } from '../directory/participant.ts'
import { devPartnerKeyFile } from '../receiver/dev-session.ts'
import { generatePartnerKey, readPartnerKey, writePartnerKey } from '../receiver/partner-key.ts'

/** The kinds that are sent handoffs, and so sign receipts and status messages. */
const SIGNING_KINDS = new Set(['hotline', 'law_enforcement', 'platform'])

/**
 * Development mode: every participant that signs receipts and has no keys in the directory gets an
 * Ed25519 key, made once under DATA_DIR/partner-keys (0600) and published in a new directory
 * version, so the partner CLI works against `npm start` with nothing done by hand. Keys an
 * administrator registered are left alone.
 */
export async function ensureDevPartnerKeys(dataDir: string, directory: DirectoryService, logger: Logger): Promise<void> {
  const current = await directory.current()
  const keyless = (current?.document.participants ?? []).filter((p) => SIGNING_KINDS.has(p.kind) && p.keys === undefined)
  if (keyless.length === 0) return
  const jwks = new Map<string, Record<string, string>>()
  for (const participant of keyless) jwks.set(participant.id, await devKey(dataDir, participant.id))
  await directory.update(
    (base) => ({
      ...base,
      participants: base.participants.map((p): Participant => {
        const jwk = jwks.get(p.id)
        return jwk && p.keys === undefined ? { ...p, keys: { jwks: { keys: [jwk] } } } : p
      }),
    }),
    { actor: 'dev-bootstrap' },
  )
  logger.info({ participants: [...jwks.keys()] }, 'development mode: partner keys registered in the directory (DATA_DIR/partner-keys)')
}

/** The public JWK of the participant's dev key, made on first use. */
async function devKey(dataDir: string, participant: string): Promise<Record<string, string>> {
  const file = devPartnerKeyFile(dataDir, participant)
  if (!(await exists(file))) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    await writePartnerKey(file, (await generatePartnerKey(participant)).privateJwk)
  }
  return (await readPartnerKey(file)).publicJwk as Record<string, string>
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}
