import { readDocumentFile } from '../http/schema-files.ts'
import { checkDirectory, type DirectoryDocument } from './participant.ts'
import { GatewayError, type FieldIssue } from '../errors/gateway-error.ts'

class DirectoryFileError extends GatewayError<'DIRECTORY_FILE_INVALID'> {
  constructor(
    readonly file: string,
    readonly errors: FieldIssue[],
  ) {
    super('DIRECTORY_FILE_INVALID', `${file} is not a valid directory:\n${errors.map((e) => `  ${e.pointer || '/'}: ${e.message}`).join('\n')}`)
  }
}

/** Reads a directory from YAML or JSON and checks it against schemas/directory.v1.json and the cross-field rules. */
export async function readDirectoryFile(file: string): Promise<DirectoryDocument> {
  const { document, errors } = await readDocumentFile(file, 'directory.v1.json')
  if (errors.length > 0)
    throw new DirectoryFileError(
      file,
      errors.map((e) => ({ in: 'body' as const, ...e })),
    )
  const problems = checkDirectory(document as DirectoryDocument)
  if (problems.length > 0) throw new DirectoryFileError(file, problems)
  return document as DirectoryDocument
}
