import { GatewayError } from '../errors/gateway-error.ts'

/** Errors of the audit log's service side (storage, sequencing, witnesses, the auditor's tool). */
export type AuditErrorCode =
  | 'AUDIT_ORIGIN_MISMATCH' // AUDIT_LOG_ORIGIN differs from the origin the non-empty log already has
  | 'AUDIT_HASH_MISSING' // a stored hash the tree needs is not in the database: storage was damaged
  | 'AUDIT_NOT_SEQUENCED' // waited for an entry that did not get a log index in time
  | 'AUDIT_BAD_WITNESS_CONFIG' // AUDIT_WITNESSES cannot be parsed
  | 'AUDIT_FETCH_FAILED' // the auditor's tool could not get an answer from the gateway
  | 'AUDIT_VERIFY_FAILED' // a check of the auditor's tool failed: the log is not what it claims
  | 'AUDIT_BAD_EVIDENCE' // an evidence bundle that is not one
  | 'AUDIT_BAD_STATE_FILE' // the --state file cannot be read
  | 'AUDIT_OUT_OF_RANGE' // a size or index the log does not have (yet); `parameter` names the request field
  | 'AUDIT_NOT_FOUND' // a tile or entry bundle beyond the tree

export class AuditError extends GatewayError<AuditErrorCode> {}

/** A request for a size or index the log does not have: the HTTP layer answers 400 naming `parameter`. */
export class AuditRangeError extends AuditError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super('AUDIT_OUT_OF_RANGE', message, { field: { in: parameter === 'path' ? 'path' : 'query', pointer: `/${parameter}` } })
  }
}
