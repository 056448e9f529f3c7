import type { FieldError } from '../http/field-errors.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export type FormatErrorCode =
  /** The document is larger than the configured limit. */
  | 'XML_TOO_LARGE'
  /** A DOCTYPE, ENTITY or other markup declaration: the door to XXE and entity expansion. */
  | 'XML_DECLARATION_FORBIDDEN'
  /** Nested deeper than the configured limit. */
  | 'XML_TOO_DEEP'
  /** Not well-formed XML, or not exactly one root element. */
  | 'XML_MALFORMED'
  /** Well-formed, but not the vocabulary expected (unknown element, wrong value, missing element). */
  | 'FORMAT_INVALID'
  /** The mapped canonical report breaks a schema rule. */
  | 'FORMAT_SCHEMA_VIOLATION'
  /** The canonical report cannot be expressed in the target format. */
  | 'FORMAT_NOT_REPRESENTABLE'

/** Input in a foreign format that cannot be mapped; each error names where (an XML path or JSON Pointer). */
export class FormatError extends GatewayError<FormatErrorCode> {
  constructor(
    code: FormatErrorCode,
    readonly errors: FieldError[],
  ) {
    const first = errors[0]
    super(
      code,
      first === undefined ? code : `${code}: ${first.pointer || '/'} ${first.message}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ''}`,
      // intake answers with every one of them, in the body it was sent
      { fieldErrors: errors.map((e) => ({ in: 'body', pointer: e.pointer, message: e.message })) },
    )
  }
}
