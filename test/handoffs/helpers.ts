// Handoff test helpers: a gateway whose de-police (pull mode, law enforcement) publishes an Ed25519
import type { LightMyRequestResponse } from 'fastify'
// key in the directory, the outbox worker stepped by the test, and the destination's signed messages.
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { CompactSign, type JWK } from 'jose'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import type { DirectoryDocument, Participant } from '../../src/directory/participant.ts'
import { createHandoffWorker, type HandoffWorker } from '../../src/handoffs/handoff-worker.ts'
import { HANDOFF_RECEIPT_TYP, HANDOFF_STATUS_TYP } from '../../src/handoffs/signed-message.ts'
import { auditTestApp, type AuditTestApp } from '../audit/gateway.ts'
import { fixtureJson } from '../intake/helpers.ts'
import type { CanonicalReport } from '../../src/intake/report.ts'

export const DESTINATION = 'de-police'
const DESTINATION_KID = 'de-police-2026'

export interface SigningKey {
  privateKey: KeyObject
  jwk: JWK
  kid: string
}

export function signingKey(kid = DESTINATION_KID): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'EdDSA', use: 'sig' }
  return { privateKey, jwk, kid }
}

/** The example directory, all in pull mode, with `keys` published for de-police (and `patch` applied to it). */
export async function directoryWithKey(key: SigningKey, patch: Partial<Participant> = {}): Promise<DirectoryDocument> {
  const directory = await readDirectoryFile(EXAMPLE_DIRECTORY)
  // everybody else pulls: a test never reaches out to the example endpoints
  for (const p of directory.participants) p.delivery = { mode: 'pull' }
  const police = directory.participants.find((p) => p.id === DESTINATION)!
  Object.assign(police, { keys: { jwks: { keys: [key.jwk as Record<string, string>] } } }, patch)
  return directory
}

export async function sign(key: SigningKey, typ: string, claims: object, kid = key.kid): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'EdDSA', kid, typ }).sign(key.privateKey)
}

export interface HandoffTestApp extends AuditTestApp {
  key: SigningKey
  worker: HandoffWorker
  /** exampletube reports imminent danger in DE: routed (among others) to de-police, urgent. */
  submit(): Promise<{ reportId: string; handoffId: string }>
  inbox(client?: string): Promise<LightMyRequestResponse>
  receipt(id: string, manifest: string, patch?: object): Promise<string>
  status(id: string, manifest: string, status: string, patch?: object): Promise<string>
  post(client: string, url: string, payload: object): Promise<LightMyRequestResponse>
}

export async function handoffTestApp(
  t: Parameters<typeof auditTestApp>[0],
  destination: Partial<Participant> = {},
  /** Changes the rest of the directory (the sender's entry, say). */
  patchDirectory: (directory: DirectoryDocument) => void = () => {},
): Promise<HandoffTestApp> {
  const key = signingKey()
  const directory = await directoryWithKey(key, destination)
  patchDirectory(directory)
  const ctx = await auditTestApp(t, { directory })
  const worker = createHandoffWorker({
    pool: ctx.database.pool,
    sealer: ctx.sealer,
    logger: ctx.app.log as never,
    issuer: 'https://gateway.example.org',
  })
  return {
    ...ctx,
    key,
    worker,
    async submit() {
      const report = fixtureJson('report-imminent-danger.json')
      delete report.source.external_id
      const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: report })
      const { id } = res.json()
      const status = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${id}`, headers: await ctx.auth('exampletube') })
      const handoff = status.json().handoffs.find((h: { destination: string }) => h.destination === DESTINATION)
      return { reportId: id, handoffId: handoff.id }
    },
    async inbox(client = DESTINATION) {
      return ctx.app.inject({ method: 'GET', url: '/v1/inbox', headers: await ctx.auth(client) })
    },
    receipt: (id, manifest, patch = {}) =>
      sign(key, HANDOFF_RECEIPT_TYP, { handoff_id: id, manifest_sha256: sha256Hex(manifest), received_at: new Date().toISOString(), ...patch }),
    status: (id, manifest, status, patch = {}) =>
      sign(key, HANDOFF_STATUS_TYP, { handoff_id: id, manifest_sha256: sha256Hex(manifest), status, at: new Date().toISOString(), ...patch }),
    post: async (client, url, payload) => ctx.app.inject({ method: 'POST', url, headers: await ctx.auth(client), payload }),
  }
}

/** The imminent-danger report as a case of its own (its own URL and account, `name` in both): routed to de-police among others. */
export function urgentCase(name: string): CanonicalReport {
  const report = fixtureJson('report-imminent-danger.json')
  delete report.source.external_id
  report.items[0]!.url = `https://example.net/live/channel/${name}`
  report.items[1]!.locator = { type: 'username', value: `@${name}` }
  report.reported_accounts = [{ service: 'Example Live', screen_name: name }]
  return report
}
