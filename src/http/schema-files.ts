import { readFile } from 'node:fs/promises'
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js'
import { parse } from 'yaml'
import { toFieldErrors, type FieldError } from './field-errors.ts'
import { createAjv } from './schema-compilers.ts'
import { readSchemaFilesSync, SCHEMA_BASE } from './schema-registry.ts'

let shared: Ajv2020 | undefined

/**
 * The process's one Ajv over every schemas/ file, configured as request bodies are validated (no
 * coercion, nothing stripped): the contract server's body validation, intake's validators and every
 * other reader compile each schema here, once per process. Built at first use (~100 ms).
 */
export function sharedSchemaAjv(): Ajv2020 {
  shared ??= createAjv(readSchemaFilesSync(), { coerceTypes: false })
  return shared
}

/** A validator for one of our schemas (`directory.v1.json`, ...), compiled once per process. */
export async function schemaValidator(path: string): Promise<ValidateFunction> {
  const validate = sharedSchemaAjv().getSchema(`${SCHEMA_BASE}${path}`)
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
