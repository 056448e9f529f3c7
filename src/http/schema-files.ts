import { readFile } from 'node:fs/promises'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { parse } from 'yaml'
import { toFieldErrors, type FieldError } from './field-errors.ts'
import { createAjv } from './schema-compilers.ts'
import { readSchemaFiles, SCHEMA_BASE } from './schema-registry.ts'

let compiled: ReturnType<typeof createAjv> | undefined
let compiling: Promise<ReturnType<typeof createAjv>> | undefined

/**
 * A validator for one of our schemas (`directory.v1.json`, ...), from one Ajv over every schema file,
 * built once per process: compiling them all costs ~100 ms, and several readers need them.
 */
export async function schemaValidator(path: string): Promise<ValidateFunction> {
  compiled ??= await (compiling ??= readSchemaFiles().then((files) => createAjv(files, { coerceTypes: false })))
  const validate = compiled.getSchema(`${SCHEMA_BASE}${path}`)
  if (!validate) throw new Error(`no schema schemas/${path}`)
  return validate
}

/**
 * Reads a document file (YAML, or JSON, which YAML includes; doubled keys and aliases refused) and
 * checks it against schemas/`path`. Problems come back with pointers; the caller wraps them in its
 * own error.
 */
export async function readDocumentFile(file: string, path: string): Promise<{ document: unknown; errors: FieldError[] }> {
  let document: unknown
  try {
    document = parse(await readFile(file, 'utf8'), { uniqueKeys: true, maxAliasCount: 0 })
  } catch (error) {
    return { document: undefined, errors: [{ pointer: '', message: `cannot be read or parsed: ${(error as Error).message}` }] }
  }
  const validate = await schemaValidator(path)
  return { document, errors: validate(document) ? [] : toFieldErrors(validate.errors ?? []) }
}
