/**
 * The canonical report's types, generated from schemas/report.v1.json (src/contract/): re-exported
 * here for intake's own modules and its formats.
 */
export type * from '../contract/report.ts'
export type { FieldError } from '../http/field-errors.ts'
