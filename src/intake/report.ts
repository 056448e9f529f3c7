import type { Ajv2020 } from 'ajv/dist/2020.js'
import { compileIntakeSchema, REPORT_SCHEMA_ID, sharedIntakeAjv } from './intake-schemas.ts'
import type { CanonicalReport } from './report-types.ts'
import type { ReportValidation, ReportValidator } from '../formats/registry.ts'
import { toFieldErrors } from '../http/field-errors.ts'

export type * from './report-types.ts'
export type { ReportValidation, ReportValidator }

/**
 * A validator for canonical reports compiled on the given Ajv instance (the server's, so the
 * schemas are compiled once per process). Call it once at start-up, then per report.
 */
export function createReportValidator(ajv: Ajv2020): ReportValidator {
  const validate = compileIntakeSchema<CanonicalReport>(ajv, REPORT_SCHEMA_ID)
  return (value) => (validate(value) ? { ok: true, report: value } : { ok: false, errors: toFieldErrors(validate.errors) })
}

let standalone: ReportValidator | undefined

/** Validates against schemas/report.v1.json with the module's own Ajv instance. */
export function validateReport(value: unknown): ReportValidation {
  standalone ??= createReportValidator(sharedIntakeAjv())
  return standalone(value)
}
