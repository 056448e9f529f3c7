import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify/types/schema.js'
import { toFieldErrors } from './field-errors.ts'
import type { FieldProblem } from './problems.ts'
import type { SchemaFile } from './schema-registry.ts'
import { addWellFormedTextKeyword, WELL_FORMED_TEXT, withWellFormedText } from './well-formed-text.ts'
import { GatewayError } from '../errors/gateway-error.ts'

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

/** OpenAPI-only annotation keywords that JSON Schema 2020-12 does not define. */
const OPENAPI_KEYWORDS = ['example', 'xml', 'externalDocs', 'discriminator']

export function createAjv(schemas: SchemaFile[], options: { coerceTypes: boolean }): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    // the built-in `discriminator` needs OpenAPI's mapping rules; we only use it as an annotation
    discriminator: false,
    coerceTypes: options.coerceTypes,
    useDefaults: false,
    removeAdditional: false,
  })
  addFormats(ajv)
  for (const keyword of OPENAPI_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['object', 'string', 'array', 'boolean', 'number', 'null'] })
  ajv.addVocabulary(['x-sensitive', 'x-projection'])
  addWellFormedTextKeyword(ajv)
  for (const file of schemas) ajv.addSchema(withWellFormedText(file.schema), file.id)
  return ajv
}

export interface SchemaCompilers {
  body: Ajv2020
  parameters: Ajv2020
  validatorCompiler: FastifySchemaCompiler<Record<string, unknown>>
  serializerCompiler: FastifySerializerCompiler<Record<string, unknown>>
}

/**
 * Request bodies are validated strictly (no coercion, no stripping: unknown properties are errors);
 * path, query and header values arrive as strings and are coerced to the declared types.
 * Responses are validated against the contract before they are serialised: a handler that drifts
 * from openapi.yaml fails loudly (500 + log) instead of leaking or silently dropping fields.
 * `body`: an instance that holds `schemas` already (the process's shared one), instead of a new one.
 */
export function createSchemaCompilers(schemas: SchemaFile[], options: { body?: Ajv2020 } = {}): SchemaCompilers {
  const body = options.body ?? createAjv(schemas, { coerceTypes: false })
  const parameters = createAjv(schemas, { coerceTypes: true })
  return {
    body,
    parameters,
    validatorCompiler: ({ schema, httpPart }) => {
      const validate = (httpPart === 'body' ? body : parameters).compile(withWellFormedText(schema))
      return httpPart === 'body' ? validate : finiteOnly(validate)
    },
    serializerCompiler: ({ schema, method, url, httpStatus }) => {
      const validate = body.compile(schema)
      return (data: unknown) => {
        // well-formed text is a rule for what we accept: an answer may quote a refused input back
        // (a batch item's problem names the property "a\u0000b" it did not allow)
        if (!validate(data) && validate.errors!.some((e) => e.keyword !== WELL_FORMED_TEXT)) {
          throw new ResponseContractError(`${method} ${url} ${httpStatus}`, validate)
        }
        return JSON.stringify(data)
      }
    },
  }
}

/**
 * Coercion turns a parameter such as "1e309" into Infinity, which ajv's integer and maximum checks let
 * through; a parameter that is not a finite number after coercion is refused as the wrong type.
 */
function finiteOnly(validate: ValidateFunction): ValidateFunction {
  const checked = ((data: Record<string, unknown>) => {
    checked.errors = validate(data) ? infinite(data) : validate.errors
    return checked.errors === null
  }) as ValidateFunction
  return Object.assign(checked, { schema: validate.schema, schemaEnv: validate.schemaEnv })
}

function infinite(data: Record<string, unknown>): ErrorObject[] | null {
  const errors = Object.entries(data ?? {})
    .filter(([, value]) => typeof value === 'number' && !Number.isFinite(value))
    .map(([name]) => ({
      keyword: 'type',
      instancePath: `/${name}`,
      schemaPath: '#/type',
      params: { type: 'number' },
      message: 'must be a finite number',
    }))
  return errors.length > 0 ? errors : null
}

class ResponseContractError extends GatewayError<'HG_RESPONSE_CONTRACT'> {
  constructor(where: string, validate: ValidateFunction) {
    super(
      'HG_RESPONSE_CONTRACT',
      `response of ${where} does not match openapi.yaml: ${JSON.stringify(toFieldProblems(validate.errors ?? [], 'body'))}`,
    )
  }
}

/** ajv errors -> `{ in, pointer, message }`, the pointer naming the offending field itself. */
export function toFieldProblems(errors: ErrorObject[], where: FieldProblem['in']): FieldProblem[] {
  return toFieldErrors(errors).map((error) => ({ in: where, ...error }))
}
