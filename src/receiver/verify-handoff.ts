import { sha256Hex } from '../crypto/jws.ts'
import type { ManifestClaims } from '../handoffs/handoff-worker.ts'
import { MANIFEST_TYP } from '../handoffs/signed-message.ts'
import { verifyGatewayJws, type GatewayKeySource } from './gateway-jwks.ts'
import { ReceiverError } from './receiver-error.ts'

/** One handoff as the gateway delivers it (push body, or an item of GET /v1/inbox; schemas/handoff-inbox.json). */
export interface HandoffItem {
  id: string
  case_id: string
  report_id: string
  sender: string
  format: string
  urgent: boolean
  manifest: string
  manifest_sha256: string
  payload: string
  payload_media_type: string
  payload_sha256: string
  signed_at: string
}

export interface VerifiedHandoff {
  item: HandoffItem
  /** The manifest's claims, signed by the gateway: who sends what to whom, and the payload's digest. */
  manifest: ManifestClaims
  /** The gateway key (JWKS kid) that signed the manifest. */
  kid: string
}

const TEXT_FIELDS = [
  'id',
  'case_id',
  'report_id',
  'sender',
  'format',
  'manifest',
  'manifest_sha256',
  'payload',
  'payload_media_type',
  'payload_sha256',
  'signed_at',
]

/**
 * Checks a delivered handoff: the manifest JWS (typ hotline-gateway-handoff-manifest+jws) under the
 * gateway's published key, that it is about this handoff, and that the payload is exactly the bytes
 * whose SHA-256 it names. `destination`, when given, must be whom the manifest addresses.
 */
export async function verifyHandoff(value: unknown, keys: GatewayKeySource, destination?: string): Promise<VerifiedHandoff> {
  const item = value as HandoffItem
  const missing = TEXT_FIELDS.find((field) => typeof (item as unknown as Record<string, unknown> | null)?.[field] !== 'string')
  if (missing) throw new ReceiverError('HANDOFF_MALFORMED', `the handoff has no ${missing}`)
  const { claims, kid } = await verifyGatewayJws<ManifestClaims>(item.manifest, keys, MANIFEST_TYP, 'MANIFEST_INVALID', 'manifest')
  const payloadSha256 = sha256Hex(item.payload)
  if (claims.payload_sha256 !== payloadSha256 || item.payload_sha256 !== payloadSha256)
    throw new ReceiverError('PAYLOAD_DIGEST_MISMATCH', 'the payload is not what the manifest signed (its SHA-256 differs)')
  const mismatch = [
    ['handoff_id', claims.handoff_id, item.id],
    ['manifest_sha256', sha256Hex(item.manifest), item.manifest_sha256],
    ['payload_media_type', claims.payload_media_type, item.payload_media_type],
    ['destination', claims.destination, destination ?? claims.destination],
  ].find(([, signed, delivered]) => signed !== delivered)
  if (mismatch) throw new ReceiverError('MANIFEST_MISMATCH', `the manifest's ${mismatch[0]} is not the delivered handoff's`)
  return { item, manifest: claims, kid }
}
