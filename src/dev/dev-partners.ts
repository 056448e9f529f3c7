import { access, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { DirectoryDocument } from '../directory/participant.ts'
import { devPartnerKeyFile } from '../receiver/dev-session.ts'
import { generatePartnerKey, readPartnerKey, writePartnerKey } from '../receiver/partner-key.ts'

/** The kinds that are sent handoffs, and so sign receipts and status messages. */
const SIGNING_KINDS = new Set(['hotline', 'law_enforcement', 'platform'])

type PublicJwk = Record<string, string>

/**
 * Development mode: every participant of `document` that signs receipts and has no keys gets an
 * Ed25519 key, made once under DATA_DIR/partner-keys (0600), so the partner CLI works against
 * `npm start` with nothing done by hand. Answers their public JWKs by participant id; keys an
 * administrator registered are left alone.
 */
export async function devPartnerKeys(dataDir: string, document: DirectoryDocument): Promise<Map<string, PublicJwk>> {
  const keys = new Map<string, PublicJwk>()
  for (const p of document.participants) if (SIGNING_KINDS.has(p.kind) && p.keys === undefined) keys.set(p.id, await devKey(dataDir, p.id))
  return keys
}

/** `document` with `keys` published for the participants that still have none. */
export function withKeys(document: DirectoryDocument, keys: ReadonlyMap<string, PublicJwk>): DirectoryDocument {
  return {
    ...document,
    participants: document.participants.map((p) => {
      const jwk = keys.get(p.id)
      return jwk && p.keys === undefined ? { ...p, keys: { jwks: { keys: [jwk] } } } : p
    }),
  }
}

/** The public JWK of the participant's dev key, made on first use. */
async function devKey(dataDir: string, participant: string): Promise<PublicJwk> {
  const file = devPartnerKeyFile(dataDir, participant)
  if (!(await exists(file))) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    await writePartnerKey(file, (await generatePartnerKey(participant)).privateJwk)
  }
  return (await readPartnerKey(file)).publicJwk as PublicJwk
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}
