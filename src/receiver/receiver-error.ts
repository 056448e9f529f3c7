import { GatewayError } from '../errors/gateway-error.ts'

/** Why the receiver kit refused something: a stable code a partner's service can act on (and log). */
export type ReceiverErrorCode =
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_INCOMPLETE'
  | 'SIGNATURE_UNKNOWN_KEY'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_EXPIRED'
  | 'SIGNATURE_NOT_YET_VALID'
  | 'SIGNATURE_REPLAYED'
  | 'DIGEST_MISSING'
  | 'DIGEST_MISMATCH'
  | 'HANDOFF_MALFORMED'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_MISMATCH'
  | 'PAYLOAD_DIGEST_MISMATCH'
  | 'RETRACTION_MALFORMED'
  | 'RETRACTION_INVALID'
  | 'RETRACTION_MISMATCH'
  | 'RENOTICE_MALFORMED'
  | 'RENOTICE_INVALID'
  | 'RENOTICE_MISMATCH'
  | 'NOTIFICATION_MALFORMED'
  | 'KEY_INVALID'
  | 'GATEWAY_REFUSED'

export class ReceiverError extends GatewayError<ReceiverErrorCode> {
  constructor(
    code: ReceiverErrorCode,
    message: string,
    /** The gateway's HTTP status, for GATEWAY_REFUSED. */
    readonly status?: number,
  ) {
    super(code, message)
  }
}
