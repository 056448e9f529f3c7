import { GatewayError } from '../errors/gateway-error.ts'

/** Why intake refuses a report, or a request about one; src/http/problems.ts says how each is answered. */
export type IntakeErrorCode =
  /** The Idempotency-Key came before with a different body. */
  | 'INTAKE_IDEMPOTENCY_CONFLICT'
  /** source.external_id names a different report of the same sender. */
  | 'INTAKE_EXTERNAL_ID_CONFLICT'
  /** The sender's kind may not claim the report's channel. */
  | 'INTAKE_CHANNEL_NOT_ALLOWED'
  /** An item's URL cannot be normalised into a case key. */
  | 'INTAKE_URL_INVALID'
  /** No such report sent by the caller. */
  | 'REPORT_NOT_FOUND'
  /** The report was retracted already. */
  | 'REPORT_RETRACTED'

export class IntakeError extends GatewayError<IntakeErrorCode> {}
