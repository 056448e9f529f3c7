import type { Ajv2020 } from 'ajv/dist/2020.js'
import type { DsaNotice, DsaNoticeValidator } from '../formats/dsa-notice.ts'
import { toFieldErrors } from '../http/field-errors.ts'
import { compileIntakeSchema, SUBMITTED_DSA_NOTICE_SCHEMA_ID, sharedIntakeAjv } from './intake-schemas.ts'

/** Validates a notice sent to the gateway (schemas/dsa-notice.v1.json#/$defs/submitted), compiled on `ajv`. */
export function createDsaNoticeValidator(ajv: Ajv2020): DsaNoticeValidator {
  const validate = compileIntakeSchema<DsaNotice>(ajv, SUBMITTED_DSA_NOTICE_SCHEMA_ID)
  return (value) => (validate(value) ? { ok: true, notice: value } : { ok: false, errors: toFieldErrors(validate.errors) })
}

let standalone: DsaNoticeValidator | undefined

/** Validates a notice with the module's own Ajv instance (tools and tests; the server passes its own). */
export const validateDsaNotice: DsaNoticeValidator = (value) => {
  standalone ??= createDsaNoticeValidator(sharedIntakeAjv())
  return standalone(value)
}
