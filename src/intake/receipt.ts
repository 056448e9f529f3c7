import type { GatewayKey } from '../crypto/gateway-key.ts'
import { threadedCompactSigner } from '../crypto/jws.ts'
import type { SigningThread } from '../crypto/signing-thread.ts'

/** What the gateway signs when it accepts a report: enough for the sender to prove later what it sent, and when. */
export interface ReceiptClaims {
  report_id: string
  sender: string
  received_at: string
  report_sha256: string
  status_url: string
}

const RECEIPT_TYP = 'hotline-gateway-receipt+jws'

/** The receipt as a compact JWS any JOSE library verifies against /.well-known/jwks.json. */
export function createReceiptSigner(key: GatewayKey, thread: SigningThread): (claims: ReceiptClaims) => Promise<string> {
  return threadedCompactSigner<ReceiptClaims>(key, RECEIPT_TYP, thread)
}

/** The claims of a receipt this gateway signed (read back from storage, not a verification). */
export function receiptClaims(jws: string): ReceiptClaims {
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as ReceiptClaims
}
