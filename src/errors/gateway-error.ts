/**
 * The one base of every error the gateway raises on purpose (as jose's JOSEError and fastify's
 * FST_ERR_* are): a stable `code` that tests assert on and that the HTTP error handler and the CLI map
 * (src/http/problems.ts holds the catalogue from code to status and title), and a message for people.
 * Domain code throws these and never imports the HTTP layer; anything else thrown is a bug (a 500).
 */
export class GatewayError<Code extends string = string> extends Error {
  readonly code: Code
  /** The part of a request the error is about, when there is one: the answer names it. */
  readonly field?: ErrorField
  /** The parts of a request the error is about, each with what is wrong with it, when the message already says it all. */
  readonly fieldErrors?: readonly FieldIssue[]
  /** Facts the answer carries beside the message (RFC 9457 extension members), e.g. which signature check failed. */
  readonly details?: Readonly<Record<string, unknown>>

  constructor(code: Code, message: string, options?: GatewayErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
    if (options?.field) this.field = options.field
    if (options?.fieldErrors) this.fieldErrors = options.fieldErrors
    if (options?.details) this.details = options.details
  }
}

export interface GatewayErrorOptions extends ErrorOptions {
  field?: ErrorField
  fieldErrors?: readonly FieldIssue[]
  details?: Readonly<Record<string, unknown>>
}

export interface ErrorField {
  in: 'body' | 'query' | 'path' | 'header'
  /** RFC 6901 JSON Pointer into that part, e.g. `/tree_size`. */
  pointer: string
}

/** A field and what is wrong with it. */
export interface FieldIssue extends ErrorField {
  message: string
}
