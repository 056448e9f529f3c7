import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GatewayError } from '../errors/gateway-error.ts'

/** Every file in schemas/ carries `$id` = SCHEMA_BASE + its path; refs between files resolve against it. */
export const SCHEMA_BASE = 'https://schemas.hotline-gateway.example/'
const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url))

export interface SchemaFile {
  /** Path below schemas/, with forward slashes: `report.v1.json`, `defs/country.json`. */
  path: string
  id: string
  schema: Record<string, unknown>
}

class SchemaRegistryError extends GatewayError<'SCHEMA_REGISTRY_INVALID'> {
  constructor(message: string, options?: ErrorOptions) {
    super('SCHEMA_REGISTRY_INVALID', message, options)
  }
}

export async function readSchemaFiles(dir = SCHEMAS_DIR): Promise<SchemaFile[]> {
  return readSchemaFilesSync(dir)
}

/** The schema files, read at once: they are part of the code, read once per process at start-up. */
export function readSchemaFilesSync(dir = SCHEMAS_DIR): SchemaFile[] {
  const files: SchemaFile[] = []
  for (const file of listJson(dir)) {
    const path = relative(dir, file).split(sep).join('/')
    let schema: Record<string, unknown>
    try {
      schema = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new SchemaRegistryError(`schemas/${path} is not valid JSON: ${(error as Error).message}`)
    }
    const id = SCHEMA_BASE + path
    if (schema.$id !== id) throw new SchemaRegistryError(`schemas/${path} must have "$id": "${id}"`)
    files.push({ path, id, schema })
  }
  return files
}

function listJson(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listJson(full))
    else if (entry.name.endsWith('.json')) out.push(full)
  }
  return out.sort()
}

/** The components.schemas key a schema file gets in the bundled document: `defs/country.json` -> `defs.country`. */
export function componentKey(path: string): string {
  return path.replace(/\.json$/, '').replaceAll('/', '.')
}
