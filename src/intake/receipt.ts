import { sign } from 'node:crypto'
import type { GatewayKey } from '../crypto/gateway-keys.ts'

/** What the gateway signs when it accepts a report: enough for the sender to prove later what it sent, and when. */
export interface ReceiptClaims {
  report_id: string
  sender: string
  received_at: string
  report_sha256: string
  status_url: string
}

export const RECEIPT_TYP = 'hotline-gateway-receipt+jws'

/**
 * A compact JWS (RFC 7515, EdDSA/Ed25519, kid = RFC 7638 thumbprint) made with node:crypto and a
 * KeyObject parsed once: about 40 µs a signature, so signing never limits intake. Any JOSE library
 * verifies it against /.well-known/jwks.json.
 */
export function createReceiptSigner(key: GatewayKey) {
  const header = b64(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ: RECEIPT_TYP }))
  return (claims: ReceiptClaims): string => {
    const input = `${header}.${b64(JSON.stringify(claims))}`
    return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`
  }
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}
