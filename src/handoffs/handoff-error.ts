import { GatewayError } from '../errors/gateway-error.ts'

/** Why a request about a handoff is refused; src/http/problems.ts says how each is answered. */
export type HandoffErrorCode =
  /** No such handoff that the caller may see (or that is addressed to them). */
  | 'HANDOFF_NOT_FOUND'
  /** The handoff's state does not allow the request (another receipt, no receipt yet, not a dead letter, ...). */
  | 'HANDOFF_STATE_CONFLICT'
  /** A signed receipt or status verified, but its claims do not fit the handoff. */
  | 'HANDOFF_CLAIMS_INVALID'
  /** An inbox cursor this gateway did not give out. */
  | 'HANDOFF_CURSOR_INVALID'
  /** The evidence waits for the audit log to sequence an entry: ask again shortly. */
  | 'HANDOFF_EVIDENCE_PENDING'

export class HandoffError extends GatewayError<HandoffErrorCode> {}
