import { readFileSync } from 'node:fs'
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js'
import { sharedSchemaAjv } from '../http/schema-files.ts'
import { addWellFormedTextKeyword, withWellFormedText } from '../http/well-formed-text.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export const SCHEMA_BASE = 'https://schemas.hotline-gateway.example/'
export const REPORT_SCHEMA_ID = `${SCHEMA_BASE}report.v1.json`
export const DSA_NOTICE_SCHEMA_ID = `${SCHEMA_BASE}dsa-notice.v1.json`
/** A notice sent to the gateway: one that carries the bona fide statement. */
export const SUBMITTED_DSA_NOTICE_SCHEMA_ID = `${DSA_NOTICE_SCHEMA_ID}#/$defs/submitted`

/** The schema files intake owns (paths below schemas/); every $ref in them resolves inside this list. */
export const INTAKE_SCHEMA_FILES = [
  'report.v1.json',
  'dsa-notice.v1.json',
  'defs/country.json',
  'defs/email.json',
  'defs/hash.json',
  'defs/incident-type.json',
  'defs/language-tag.json',
  'defs/plain-text.json',
  'defs/web-url.json',
] as const

const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url)

class IntakeSchemaError extends GatewayError<'INTAKE_SCHEMA_INVALID'> {
  constructor(message: string, options?: ErrorOptions) {
    super('INTAKE_SCHEMA_INVALID', message, options)
  }
}

let loaded: Array<{ id: string; schema: Record<string, unknown> }> | undefined

/** Read once per process: the files are part of the code, not configuration. */
function intakeSchemas(): Array<{ id: string; schema: Record<string, unknown> }> {
  loaded ??= INTAKE_SCHEMA_FILES.map((path) => {
    const schema = JSON.parse(readFileSync(new URL(path, SCHEMAS_DIR), 'utf8')) as Record<string, unknown>
    const id = SCHEMA_BASE + path
    if (schema.$id !== id) throw new IntakeSchemaError(`schemas/${path} must have "$id": "${id}"`)
    return { id, schema }
  })
  return loaded
}

/**
 * Adds the intake schemas an Ajv instance does not hold yet. The server loads every schemas/**.json
 * itself; this lets the validators work on that instance and on a standalone one alike.
 */
export function addIntakeSchemas(ajv: Ajv2020): void {
  addWellFormedTextKeyword(ajv)
  for (const { id, schema } of intakeSchemas()) {
    if (ajv.schemas[id] === undefined && ajv.refs[id] === undefined) ajv.addSchema(withWellFormedText(schema), id)
  }
}

/** Compiles (once per Ajv instance: ajv caches it) the schema `id`, adding the intake schemas `ajv` lacks. */
export function compileIntakeSchema<T>(ajv: Ajv2020, id: string): ValidateFunction<T> {
  addIntakeSchemas(ajv)
  const validate = ajv.getSchema<T>(id)
  if (validate === undefined) throw new IntakeSchemaError(`schema ${id} is not registered`)
  return validate
}

/** The process's one Ajv (src/http/schema-files.ts), behind the standalone validators: each schema compiled once. */
export function sharedIntakeAjv(): Ajv2020 {
  return sharedSchemaAjv()
}
