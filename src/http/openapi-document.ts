import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'
import { componentKey, readSchemaFiles, SCHEMA_BASE, type SchemaFile } from './schema-registry.ts'
import { GatewayError } from '../errors/gateway-error.ts'

const OPENAPI_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url))

type Json = Record<string, unknown>

/**
 * The contract, loaded once: `operations` for binding routes, `schemas` for ajv, and `bundled`, the
 * self-contained document we serve at /openapi.json (file refs rewritten to #/components/schemas).
 */
export interface OpenApiContract {
  document: Json
  schemas: SchemaFile[]
  bundled: Json
  bundledYaml: string
  operations: Operation[]
}

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema: Json
}

export interface Operation {
  operationId: string
  method: string
  path: string
  parameters: Parameter[]
  /** media type -> schema ($ref rewritten to a schema $id) */
  requestBody?: { required: boolean; content: Record<string, Json> }
  /** status -> media type -> schema (undefined when the response has no schema) */
  responses: Record<string, Record<string, Json | undefined>>
  /** `[]` for a public operation; absent is a contract error caught at start-up. */
  security: Array<Record<string, string[]>> | undefined
  extensions: Json
}

export class ContractError extends GatewayError<'OPENAPI_CONTRACT_INVALID'> {
  constructor(message: string, options?: ErrorOptions) {
    super('OPENAPI_CONTRACT_INVALID', message, options)
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

export async function loadContract(specPath = OPENAPI_PATH, schemas?: SchemaFile[]): Promise<OpenApiContract> {
  const document = parse(await readFile(specPath, 'utf8')) as Json
  if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.1')) {
    throw new ContractError(`${specPath} must be an OpenAPI 3.1 document`)
  }
  const files = schemas ?? (await readSchemaFiles())
  const known = new Set(files.map((f) => f.id))
  const toId = (ref: string) => {
    const id = SCHEMA_BASE + ref.replace(/^(\.\/)?schemas\//, '')
    if (!known.has(id.split('#')[0]!)) throw new ContractError(`openapi.yaml refers to a missing schema file: ${ref}`)
    return id
  }
  const operations = collectOperations(document, toId)
  const bundled = bundle(document, files)
  return { document, schemas: files, bundled, bundledYaml: stringify(bundled), operations }
}

function collectOperations(document: Json, toId: (ref: string) => string): Operation[] {
  const operations: Operation[] = []
  const paths = (document.paths ?? {}) as Record<string, Json>
  for (const [path, item] of Object.entries(paths)) {
    const shared = (item.parameters ?? []) as Json[]
    for (const method of METHODS) {
      const op = item[method] as Json | undefined
      if (!op) continue
      const resolve = (node: unknown) => resolveNode(document, node, toId)
      const parameters = [...shared, ...((op.parameters ?? []) as Json[])].map((p) => resolve(p) as unknown as Parameter)
      const body = op.requestBody ? (resolve(op.requestBody) as Json) : undefined
      operations.push({
        operationId: op.operationId as string,
        method: method.toUpperCase(),
        path,
        parameters,
        ...(body ? { requestBody: { required: body.required === true, content: contentSchemas(body) } } : {}),
        responses: Object.fromEntries(
          Object.entries((op.responses ?? {}) as Json).map(([status, r]) => [status, contentSchemas(resolve(r) as Json)]),
        ),
        security: op.security as Operation['security'],
        extensions: Object.fromEntries(Object.entries(op).filter(([k]) => k.startsWith('x-'))),
      })
    }
  }
  return operations
}

function contentSchemas(node: Json): Record<string, Json> {
  const content = (node.content ?? {}) as Record<string, Json>
  return Object.fromEntries(Object.entries(content).map(([type, media]) => [type, media.schema as Json]))
}

/**
 * Resolves `#/components/...` refs (parameters, responses, request bodies) in place and rewrites
 * refs to schema files into their `$id`, which ajv already knows.
 */
function resolveNode(document: Json, node: unknown, toId: (ref: string) => string, depth = 0): unknown {
  if (depth > 64) throw new ContractError('openapi.yaml refs nest too deeply (a cycle?)')
  if (Array.isArray(node)) return node.map((n) => resolveNode(document, n, toId, depth + 1))
  if (!node || typeof node !== 'object') return node
  const ref = (node as Json).$ref
  if (typeof ref === 'string') {
    if (ref.startsWith('#/')) return resolveNode(document, pointer(document, ref.slice(1)), toId, depth + 1)
    return { $ref: toId(ref) }
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveNode(document, v, toId, depth + 1)]))
}

function pointer(document: Json, path: string): unknown {
  let node: unknown = document
  for (const raw of path.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    node = (node as Json | undefined)?.[key]
    if (node === undefined) throw new ContractError(`openapi.yaml: unresolved ref #${path}`)
  }
  return node
}

/** The served document: schema files become components, every ref points inside the document. */
function bundle(document: Json, files: SchemaFile[]): Json {
  const toLocal = (absolute: string) => {
    const [file, fragment = ''] = absolute.split('#')
    const key = componentKey(file!.slice(SCHEMA_BASE.length))
    return `#/components/schemas/${key.replaceAll('~', '~0').replaceAll('/', '~1')}${fragment}`
  }
  const rewrite = (node: unknown, base: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, base))
    if (!node || typeof node !== 'object') return node
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k]) => k !== '$id' && k !== '$schema')
        .map(([k, v]) => {
          if (k !== '$ref' || typeof v !== 'string' || v.startsWith('#/components/')) return [k, rewrite(v, base)]
          const absolute = new URL(v.replace(/^(\.\/)?schemas\//, ''), base).href
          return [k, absolute.startsWith(SCHEMA_BASE) ? toLocal(absolute) : v]
        }),
    )
  }
  const components = (document.components ?? {}) as Json
  const schemas = { ...((components.schemas ?? {}) as Json) }
  for (const file of files) schemas[componentKey(file.path)] = rewrite(file.schema, file.id)
  const rest = rewrite({ ...document, components: { ...components, schemas: {} } }, SCHEMA_BASE) as Json
  return { ...rest, components: { ...(rest.components as Json), schemas } }
}
