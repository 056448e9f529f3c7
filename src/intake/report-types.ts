/** The canonical report's types (src/contract/report.ts), re-exported for intake's own modules. */
export type * from '../contract/report.ts'
export type { FieldError } from '../http/field-errors.ts'
