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

  constructor(code: Code, message: string, options?: ErrorOptions & { field?: ErrorField }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
    if (options?.field) this.field = options.field
  }
}

export interface ErrorField {
  in: 'body' | 'query' | 'path' | 'header'
  /** RFC 6901 JSON Pointer into that part, e.g. `/tree_size`. */
  pointer: string
}
