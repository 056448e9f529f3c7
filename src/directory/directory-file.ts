import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { toFieldProblems } from '../http/schema-compilers.ts'
import { createAjv } from '../http/schema-compilers.ts'
import { readSchemaFiles, SCHEMA_BASE } from '../http/schema-registry.ts'
import type { FieldProblem } from '../http/problems.ts'
import { checkDirectory, type DirectoryDocument } from './participant.ts'

export class DirectoryFileError extends Error {
  readonly code = 'DIRECTORY_FILE_INVALID'
  constructor(
    readonly file: string,
    readonly errors: FieldProblem[],
  ) {
    super(`${file} is not a valid directory:\n${errors.map((e) => `  ${e.pointer || '/'}: ${e.message}`).join('\n')}`)
  }
}

/** Reads a directory from YAML or JSON and checks it against schemas/directory.v1.json and the cross-field rules. */
export async function readDirectoryFile(file: string): Promise<DirectoryDocument> {
  let document: unknown
  try {
    // YAML is a superset of JSON: one parser serves both; `uniqueKeys` refuses silently doubled keys
    document = parse(await readFile(file, 'utf8'), { uniqueKeys: true, maxAliasCount: 0 })
  } catch (error) {
    throw new DirectoryFileError(file, [{ in: 'body', pointer: '', message: `cannot be read or parsed: ${(error as Error).message}` }])
  }
  const ajv = createAjv(await readSchemaFiles(), { coerceTypes: false })
  const validate = ajv.getSchema(`${SCHEMA_BASE}directory.v1.json`)!
  if (!validate(document)) throw new DirectoryFileError(file, toFieldProblems(validate.errors ?? [], 'body'))
  const errors = checkDirectory(document as DirectoryDocument)
  if (errors.length > 0) throw new DirectoryFileError(file, errors)
  return document as DirectoryDocument
}
